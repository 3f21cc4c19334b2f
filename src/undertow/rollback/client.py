"""`JournaledClient`: the only way scenarios change the cluster.

Every mutating call first writes its version file (durably), then makes the change:

    create(manifest)            undo: delete exactly that object (uid precondition)
    delete(ref, restore=...)    undo: record the snapshot; recreate it if restore=True
    evict(pod)                  the same record, through the Eviction API (PDBs honoured)
    patch_fields(ref, {...})    undo: put back exactly those fields, if they still hold our value
    set_label / cordon / scale  patch_fields underneath
    add_taint(node, ...)        undo: remove exactly that taint (and its entry annotation)
    signal_container(pod, ...)  `kill -SIG 1` in a container; a record only (the kubelet
                                restarts it: nothing to put back)
    exec_change(ref, undo, ...) a command run in a container that changes something there
                                (a file written, a node file set); its undo is `undo`
    external(ref, undo, apply)  a change outside Kubernetes (cloud instance, network ACL)
    in_helper(pod, ...)         a script run in undertow's helper pod (nftables, tc, a link);
                                undo: the recorded script that removes exactly that change

A scenario's normal clean-up calls `revert(change)`, which runs the very same undo step as a
rollback (`revert_or_fail` when the scenario must stop if that clean-up is incomplete). If
the journal cannot be written, nothing is sent to the cluster. If a mutation fails in a way
that leaves it unknown whether the server applied it, its undo stays pending.
"""

from __future__ import annotations

import contextlib
import copy
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from undertow import errors
from undertow.failpoints import failpoint
from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.kube.exec import ExecResult, exec_in_container
from undertow.rollback import executor
from undertow.rollback.cluster_copy import ENTRY_ANNOTATION
from undertow.rollback.entry import JournalEntry, RollbackReport
from undertow.rollback.journal import Journal
from undertow.rollback.naming import VersionName
from undertow.rollback.patches import REMOVE, plan_fields, pointer, snapshot
from undertow.rollback.protected import refuse_protected
from undertow.undo.labels import ENTRY_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_LABEL
from undertow.undo.records import (
    CloudRecord,
    DeleteCreated,
    RecreateDeleted,
    RemoveFile,
    RemoveTaint,
    RestoreClock,
    RestoreFields,
    RestoreNodeFiles,
    ResumeKubelet,
    RevertInHelper,
    SignalledContainer,
    Taint,
    Target,
    UndoRecord,
)

_ATTEMPTS = 5
_RETRY_PAUSE = 0.1


@dataclass(frozen=True)
class Change:
    """Handle of one journaled change. `entry` is None when the call changed nothing."""

    ref: ObjectRef
    entry: JournalEntry | None


def _target(ref: ObjectRef) -> Target:
    return {
        "api_version": ref.api_version,
        "kind": ref.kind,
        "name": ref.name,
        "namespace": ref.namespace,
        "uid": ref.uid,
    }


def _definitely_not_applied(exc: errors.KubeError) -> bool:
    """4xx answers (and an exhausted 429) mean the server rejected the change."""
    return not isinstance(exc, errors.ServerError) or exc.status == 429


_Planned = tuple[RestoreFields | RemoveTaint, list[dict[str, Any]], VersionName | None]
"""A planned patch: the undo record to journal first, the JSON-patch ops, and the entry's
name when the ops had to name it (the cluster copy's annotation)."""
_Plan = Callable[[dict[str, Any], ObjectRef], _Planned | None]


class JournaledClient:
    """Mutations for one scenario of one run, each journaled before it is made."""

    def __init__(
        self,
        api: KubeApi,
        journal: Journal,
        scenario_type: str,
        run_id: str | None = None,
        *,
        protected: frozenset[str] = frozenset(),
    ) -> None:
        """`protected`: namespaces no change may touch (`undertow.rollback.protected`)."""
        if run_id is not None and run_id != journal.run_id:
            raise errors.JournalError(f"run id {run_id} does not match the journal's")
        if len(journal.run_id) > 63:
            raise errors.JournalError(f"run id {journal.run_id} is too long for a label value")
        self.api = api
        self.journal = journal
        self.scenario_type = scenario_type
        self.run_id = journal.run_id
        self.protected = protected
        self._guard = threading.Lock()
        self._pending: list[Change] = []
        self.cleaned_up = 0
        """Entries the scenario's own clean-up (`revert`) resolved, for the run's summary."""

    # --- bookkeeping ----------------------------------------------------------------------

    @property
    def pending(self) -> list[JournalEntry]:
        """This client's unresolved entries, oldest first."""
        with self._guard:
            return [c.entry for c in self._pending if c.entry is not None]

    def _keep(self, change: Change) -> Change:
        with self._guard:
            self._pending.append(change)
        return change

    def _record(self, data: UndoRecord, name: VersionName | None = None) -> JournalEntry:
        return self.journal.record(self.scenario_type, data, name=name)

    def _read_exact(
        self, ref: ObjectRef, known: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], ObjectRef]:
        """The object as it is now (or as the caller last read it: `known`), and a ref pinned
        to its uid; Conflict if `ref` carries another object's uid (the one meant was
        replaced)."""
        if known is None:
            current = self.api.get(ref)
        else:
            named = ObjectRef.of(known)
            if (named.api_version, named.kind, named.name, named.namespace) != (
                ref.api_version,
                ref.kind,
                ref.name,
                ref.namespace,
            ):
                raise ValueError(f"the object given for {ref} is {named}")
            current = dict(known)
        uid = current["metadata"]["uid"]
        if ref.uid and ref.uid != uid:
            raise errors.Conflict(f"{ref} was replaced by another object (uid {uid})")
        return current, ObjectRef(ref.api_version, ref.kind, ref.name, ref.namespace, uid)

    def _patch_journaled(
        self,
        exact: ObjectRef,
        data: RestoreFields | RemoveTaint,
        ops: list[dict[str, Any]],
        name: VersionName | None,
        attempt: int,
    ) -> Change | None:
        """Journal `data`, then apply the (`test`-guarded) JSON patch. None when the object
        changed since it was read (409/422: nothing applied, entry dropped): read and retry."""
        entry = self._record(data, name)
        try:
            mutate.json_patch(self.api, exact, ops)
        except errors.KubeError as exc:
            if exc.status in (409, 422):  # changed since we read it: nothing applied
                self.journal.remove(entry)
                time.sleep(_RETRY_PAUSE * (attempt + 1))
                return None
            self._failed(entry, exact, exc)
            raise
        failpoint("client.after_api_call")
        return self._keep(Change(exact, entry))

    def _failed(self, entry: JournalEntry, ref: ObjectRef, exc: errors.KubeError) -> None:
        """The change failed: drop its entry if surely not applied, else keep it pending."""
        if _definitely_not_applied(exc):
            self.journal.remove(entry)
        else:
            self._keep(Change(ref, entry))

    # --- create -----------------------------------------------------------------------------

    def create(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        """Create an object labelled as undertow's; its undo deletes exactly that object."""
        body = copy.deepcopy(dict(manifest))
        meta = body.setdefault("metadata", {})
        token = secrets.token_hex(8)
        marks = {MANAGED_BY_LABEL: MANAGED_BY_VALUE, RUN_LABEL: self.run_id}
        meta["labels"] = {**(meta.get("labels") or {}), **marks, ENTRY_LABEL: token}
        template = (body.get("spec") or {}).get("template")
        if isinstance(template, dict):
            template_meta = template.setdefault("metadata", {})
            template_meta["labels"] = {**(template_meta.get("labels") or {}), **marks}
        api_version, kind = str(body["apiVersion"]), str(body["kind"])
        if self.api.is_namespaced(api_version, kind):
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        ref = ObjectRef(api_version, kind, str(meta.get("name") or ""), meta.get("namespace"))
        shown = ref.name or f"{meta.get('generateName', '')}*"
        refuse_protected(ObjectRef(api_version, kind, shown, ref.namespace), self.protected)
        record: DeleteCreated = {
            "action": "delete_created",
            "description": f"delete {kind} {ref.namespace or ''}/{shown} created by undertow",
            "target": _target(ref),
            "labels": {RUN_LABEL: self.run_id, ENTRY_LABEL: token},
        }
        entry = self._record(record)
        annotation = self.journal.entry_annotation(entry.name)
        if annotation:
            meta["annotations"] = {**(meta.get("annotations") or {}), **annotation}
        try:
            created = mutate.create(self.api, body)
        except errors.KubeError as exc:
            self._failed(entry, ref, exc)
            raise
        failpoint("client.after_api_call")
        made = ObjectRef.of(created)
        # If this rewrite fails, the entry on disk still finds the object by its entry label.
        with contextlib.suppress(errors.JournalError):
            entry = self.journal.rewrite(entry, {"target": _target(made)})
        self._keep(Change(made, entry))
        return created

    # --- delete -----------------------------------------------------------------------------

    def delete(
        self,
        ref: ObjectRef,
        *,
        restore: bool = False,
        grace_period_seconds: int | None = None,
        current: Mapping[str, Any] | None = None,
    ) -> Change:
        """Delete exactly `ref`, keeping its snapshot; restore=True recreates it on undo.

        `current` is the object as the caller last read it (e.g. from the listing it chose
        it from): its snapshot is journaled instead of reading the object again. The delete
        is still pinned to its uid, so if the object was replaced since, the server refuses
        it (errors.Conflict) and nothing is deleted.
        """
        verb = "recreate" if restore else "nothing to undo: record of deleted"
        return self._remove(
            ref,
            restore,
            verb,
            lambda exact: mutate.delete(self.api, exact, grace_period_seconds=grace_period_seconds),
            current,
        )

    def evict(self, ref: ObjectRef) -> Change:
        """Evict a pod (Eviction API: PodDisruptionBudgets are honoured), keeping its snapshot
        for the record. A budget that forbids it raises errors.ServerError with status 429."""
        return self._remove(
            ref,
            False,
            "nothing to undo: record of evicted",
            lambda exact: mutate.evict(self.api, exact),
        )

    def _remove(
        self,
        ref: ObjectRef,
        restore: bool,
        verb: str,
        remove: Callable[[ObjectRef], None],
        known: Mapping[str, Any] | None = None,
    ) -> Change:
        """Journal the snapshot of exactly `ref` (as `known`, else read now), then `remove`
        it (delete or evict)."""
        refuse_protected(ref, self.protected)
        current, exact = self._read_exact(ref, known)
        record: RecreateDeleted = {
            "action": "recreate_deleted",
            "description": f"{verb} {exact}",
            "target": _target(exact),
            "restore": restore,
            "snapshot": snapshot(current),
        }
        entry = self._record(record)
        try:
            remove(exact)
        except errors.NotFound:
            self.journal.remove(entry)  # gone before we removed it: we changed nothing
            return Change(exact, None)
        except errors.KubeError as exc:
            self._failed(entry, exact, exc)
            raise
        failpoint("client.after_api_call")
        return self._keep(Change(exact, entry))

    # --- patch ------------------------------------------------------------------------------

    def _patch_until_settled(self, ref: ObjectRef, plan: _Plan, what: str) -> Change:
        """Read the object, `plan` the change (None: nothing to do), journal it and apply its
        `test`-guarded patch; while the object changes under it (409/422), read and plan again."""
        refuse_protected(ref, self.protected)
        for attempt in range(_ATTEMPTS):
            current, exact = self._read_exact(ref)
            planned = plan(current, exact)
            if planned is None:
                return Change(exact, None)
            change = self._patch_journaled(exact, *planned, attempt)
            if change is not None:
                return change
        raise errors.Conflict(f"{ref} kept changing while undertow tried to {what}")

    def patch_fields(self, ref: ObjectRef, changes: Mapping[str, Any]) -> Change:
        """Set JSON-pointer fields to new values (`REMOVE` deletes one); undo puts them back."""

        def plan(current: dict[str, Any], exact: ObjectRef) -> _Planned | None:
            if not plan_fields(current, changes)[0]:
                return None
            name = self.journal.reserve(self.scenario_type)
            fields, ops = plan_fields(current, {**changes, **self._entry_mark(current, name)})
            paths = ", ".join(f["path"] for f in fields)
            data: RestoreFields = {
                "action": "restore_fields",
                "description": f"restore {paths} of {exact}",
                "target": _target(exact),
                "fields": fields,
            }
            return data, ops, name

        return self._patch_until_settled(ref, plan, "patch it")

    def _entry_mark(self, current: Mapping[str, Any], name: VersionName) -> dict[str, str]:
        """The field change that annotates a patched object with its entry `name`.
        An object already annotated keeps its first entry's name: overwriting it would make
        that entry's undo find its field changed by someone else (a conflict)."""
        if ENTRY_ANNOTATION in ((current.get("metadata") or {}).get("annotations") or {}):
            return {}
        marks = self.journal.entry_annotation(name)
        return {pointer("metadata", "annotations", k): v for k, v in marks.items()}

    def set_label(self, ref: ObjectRef, key: str, value: str | None) -> Change:
        """Set (or, with None, remove) one label."""
        return self.patch_fields(
            ref, {pointer("metadata", "labels", key): REMOVE if value is None else value}
        )

    def cordon(self, node: str) -> Change:
        return self.patch_fields(ObjectRef.node(node), {"/spec/unschedulable": True})

    def scale(self, ref: ObjectRef, replicas: int) -> Change:
        return self.patch_fields(ref, {"/spec/replicas": replicas})

    def add_taint(self, node: str, key: str, value: str | None, effect: str) -> Change:
        """Add one taint to a node; its undo removes exactly that taint."""
        taint: Taint = {"key": key, "effect": effect}
        if value:
            taint["value"] = value

        def plan(current: dict[str, Any], exact: ObjectRef) -> _Planned | None:
            taints = (current.get("spec") or {}).get("taints")
            same = [t for t in taints or [] if (t.get("key"), t.get("effect")) == (key, effect)]
            if same:
                if same[0].get("value") == taint.get("value"):
                    return None  # already there, not ours to remove
                raise errors.Conflict(f"node {node} already has taint {key}:{effect}")
            name = self.journal.reserve(self.scenario_type)
            marks, mark_ops = plan_fields(current, self._entry_mark(current, name))
            ops: list[dict[str, Any]] = (
                [
                    {"op": "test", "path": "/spec/taints", "value": taints},
                    {"op": "add", "path": "/spec/taints/-", "value": taint},
                ]
                if taints is not None
                else [{"op": "add", "path": "/spec/taints", "value": [taint]}]
            )
            data: RemoveTaint = {
                "action": "remove_taint",
                "description": f"remove taint {key}={value or ''}:{effect} from Node {node}",
                "target": _target(exact),
                "taint": taint,
            }
            if marks:
                data["fields"] = marks
            return data, ops + mark_ops, name

        return self._patch_until_settled(ObjectRef.node(node), plan, "taint it")

    def signal_container(
        self, pod: Mapping[str, Any], container: str, signal: int
    ) -> tuple[Change, ExecResult]:
        """Send `signal` to the main process (pid 1) of `container` in `pod`, with the
        container's own `kill` (as Krkn does). Nothing to undo: the entry is a record of the
        kill, removed when the scenario passes. If the exec cannot start, the image has no
        `kill`, or `kill` fails, nothing was signalled and the entry is dropped (the returned
        Change has no entry). A `kill` cut short (no exit status, or killed itself) means
        the container stopped meanwhile: the signal took effect."""
        refuse_protected(ObjectRef.of(pod), self.protected)
        _, exact = self._read_exact(ObjectRef.of(pod), pod)
        record: SignalledContainer = {
            "action": "signalled_container",
            "description": f"nothing to undo: record of signal {signal} sent to container "
            f"{container} of {exact}",
            "target": _target(exact),
            "container": container,
            "signal": signal,
        }
        entry = self._record(record)
        try:
            result = exec_in_container(
                self.api, str(exact.namespace), exact.name, container, ["kill", f"-{signal}", "1"]
            )
        except errors.KubeError:
            self.journal.remove(entry)
            raise
        failpoint("client.after_api_call")
        if result.returncode != 0 and not result.cut_short:
            self.journal.remove(entry)
            return Change(exact, None), result
        return self._keep(Change(exact, entry)), result

    def exec_change(
        self,
        ref: ObjectRef,
        data: RemoveFile | RestoreNodeFiles | ResumeKubelet,
        pod: Mapping[str, Any],
        container: str,
        command: list[str],
        *,
        timeout: float,
    ) -> tuple[Change, ExecResult]:
        """Journal `data` (the undo of what `command` changes; `ref` is what it concerns),
        then run `command` in `container` of `pod`. The entry stays pending whatever the
        command's outcome: a command cut short may have changed part of what it was meant
        to, and these undos are idempotent; the scenario reverts it."""
        refuse_protected(ref, self.protected)
        refuse_protected(ObjectRef.of(pod), self.protected)
        record = copy.copy(data)
        record["target"] = _target(ref)
        entry = self._record(record)
        change = self._keep(Change(ref, entry))
        meta = pod["metadata"]
        result = exec_in_container(
            self.api, str(meta["namespace"]), str(meta["name"]), container, command, timeout=timeout
        )
        failpoint("client.after_api_call")
        return change, result

    def in_helper(
        self,
        helper: Mapping[str, Any],
        *,
        what: str,
        apply: str,
        undo: str,
        state: str,
        before: str,
    ) -> tuple[Change, ExecResult]:
        """Journal `undo` (with the exact `apply` script and the `before` state), then run
        `apply` with /bin/sh in `helper`, a pod this client created. The entry stays pending
        whatever the script's exit status: a script that failed half-way may have changed
        something, and the undo script is harmless where nothing was changed."""
        _, exact = self._read_exact(ObjectRef.of(helper), helper)
        container = str(helper["spec"]["containers"][0]["name"])
        record: RevertInHelper = {
            "action": "revert_in_helper",
            "description": f"remove {what} through helper pod {exact}",
            "target": _target(exact),
            "container": container,
            "applied": apply,
            "undo": undo,
            "state": state,
            "before": before,
        }
        entry = self._record(record)
        change = self._keep(Change(exact, entry))
        result = exec_in_container(
            self.api, str(exact.namespace), exact.name, container, ["/bin/sh", "-c", apply]
        )
        failpoint("client.after_api_call")
        return change, result

    def external(
        self, ref: ObjectRef, data: CloudRecord | RestoreClock, apply: Callable[[], None]
    ) -> Change:
        """Journal the undo of a change made outside the Kubernetes API, then make it.

        For a cloud instance stopped, a network ACL swapped, or a node clock a helper pod
        moves (`restore_clock`: `apply` does nothing, the pod created next makes the
        change): `data` is an undo record whose
        `action` is a verb of `undertow.undo.cloud` that needs no Kubernetes object (e.g.
        `start_instance`); `ref` names what it concerns (the Node an instance backs). If
        `apply` raises, the entry stays pending: whether the change happened is unknown, and
        those undo verbs are idempotent.
        """
        record = copy.copy(data)
        record["target"] = _target(ref)
        entry = self._record(record)
        change = self._keep(Change(ref, entry))
        apply()
        return change

    # --- undo -------------------------------------------------------------------------------

    def _take(self, select: Callable[[Change], bool]) -> list[Change]:
        with self._guard:
            return [c for c in self._pending if c.entry is not None and select(c)]

    def _forget(self, report: RollbackReport) -> None:
        done = {o.entry.path for o in report.outcomes if o.resolved}
        with self._guard:
            self._pending = [
                c for c in self._pending if c.entry is not None and c.entry.path not in done
            ]

    def revert(
        self, what: Change | ObjectRef | Mapping[str, Any], **options: Any
    ) -> RollbackReport:
        """Undo now, as the scenario's normal clean-up: the same step a rollback runs.

        `what` is a Change handle, or an object (ObjectRef or the dict `create` returned):
        then every pending change of this client to that object is undone, newest first.
        Resolved files are removed; anything not restored stays pending for `settle`.
        """
        if isinstance(what, Change):
            chosen = self._take(lambda c: c.entry == what.entry)
        else:
            target = what if isinstance(what, ObjectRef) else ObjectRef.of(what)
            chosen = self._take(lambda c: c.ref.same_object(target))
        entries = [c.entry for c in chosen if c.entry is not None]
        report = executor.execute(
            entries, lambda: self.api, resolve=self.journal.resolver("remove"), **options
        )
        self._forget(report)
        with self._guard:
            self.cleaned_up += sum(o.resolved for o in report.outcomes)
        return report

    def revert_each(
        self, whats: Iterable[Change | ObjectRef | Mapping[str, Any]]
    ) -> RollbackReport:
        """`revert` each of `whats` in the order given (a scenario's clean-up order), one report."""
        report = RollbackReport()
        for what in whats:
            report.extend(self.revert(what))
        return report

    def revert_or_fail(
        self, what: Change | ObjectRef | Mapping[str, Any], *, failure: str
    ) -> RollbackReport:
        """`revert(what)`, then raise errors.UndoFailed (`failure: why`) if anything is still
        pending: for a clean-up the scenario cannot go on (or succeed) without. What stays
        pending is settled, like every other entry, when the scenario ends."""
        report = self.revert(what)
        if not report.complete:
            raise errors.UndoFailed(f"{failure}: {report.why_incomplete()}")
        return report

    def settle(
        self,
        passed: bool,
        auto_rollback: bool,
        *,
        should_abort: Callable[[], bool] | None = None,
        progress: executor.Progress | None = None,
    ) -> RollbackReport:
        """Resolve what the scenario left pending, when it ends.

        passed: record-only entries are removed; changes still in place are undone (files
        removed). failed or raised: with auto_rollback every pending entry is executed newest
        first and renamed `.executed`; without it they are kept pending (`kept_pending`).
        """
        entries = [c.entry for c in self._take(lambda c: True) if c.entry is not None]
        report = RollbackReport()
        if passed:
            for entry in [e for e in entries if e.record_only]:
                self.journal.remove(entry)
            with self._guard:
                self._pending = [c for c in self._pending if c.entry and not c.entry.record_only]
            to_undo = [e for e in entries if not e.record_only]
            resolve = self.journal.resolver("remove")
        elif auto_rollback:
            to_undo, resolve = entries, self.journal.resolver("executed")
        else:
            report.kept_pending = entries
            return report
        report.extend(
            executor.execute(
                to_undo,
                lambda: self.api,
                resolve=resolve,
                should_abort=should_abort,
                progress=progress,
            )
        )
        self._forget(report)
        return report


@dataclass
class Settlement:
    """Filled in by `settling`: set `passed` inside the block; `report` is set on exit."""

    passed: bool = False
    report: RollbackReport = field(default_factory=RollbackReport)


@contextlib.contextmanager
def settling(
    client: JournaledClient,
    *,
    auto_rollback: bool,
    should_abort: Callable[[], bool] | None = None,
    progress: executor.Progress | None = None,
) -> Iterator[Settlement]:
    """Run a scenario so that whatever happens, its changes are settled on the way out.

        with settling(kube, auto_rollback=settings.rollback.auto) as outcome:
            outcome.passed = plugin.run(ctx, spec).passed

    Any exception, including SystemExit and KeyboardInterrupt raised inside the scenario,
    settles as a failure (rolled back when auto_rollback) and is then re-raised.
    """
    outcome = Settlement()
    try:
        yield outcome
    except BaseException:
        outcome.report = client.settle(
            False, auto_rollback, should_abort=should_abort, progress=progress
        )
        raise
    outcome.report = client.settle(
        outcome.passed, auto_rollback, should_abort=should_abort, progress=progress
    )
