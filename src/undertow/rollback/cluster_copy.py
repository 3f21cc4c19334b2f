"""The journal's cluster copy: every version file's undo data, also stored in the cluster.

A run that writes a version file also writes its undo data (the record, as JSON) into the
cluster, in the same step and before the change: into the run's ConfigMap
`undertow-journal-<run>` in undertow's namespace, or into the run's Secret of the same name
when the entry holds an object snapshot or concerns a Secret (a snapshot may carry secret
values). The key is the version file's name; an entry rolled back is renamed
`<name>.executed`, an entry resolved normally is removed. Each write is one patch of one key
(the API server applies it atomically, so concurrent writers never lose a key); the objects
are created on first use.

Each patch makes the API server rewrite, and answer with, the whole object, so an entry's
cost grows with its object: once an object holds SHARD_BYTES, the run's entries of that kind
go on in `undertow-journal-<run>-2`, then `-3`, ... (same labels; readers find them by
label). That also keeps every object under the 1 MiB a ConfigMap or Secret may hold; an entry
larger than that alone is refused before its change is made.

The copy carries no MAC: the journal key is per machine, and the copy must restore from any
machine. It is trusted as the namespace is: whoever may write ConfigMaps and Secrets in
undertow's namespace may choose what a rollback from it deletes (docs/security.md).

The objects carry `undertow.io/run-id` and `undertow.io/journal-copy`, not
`app.kubernetes.io/managed-by`: they are the journal, not a leftover for `rollback sweep`.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from undertow import errors
from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback.entry import JournalEntry
from undertow.rollback.naming import EXECUTED_SUFFIX, VersionName, parse_version_file
from undertow.undo.labels import RUN_LABEL

COPY_PREFIX = "undertow-journal-"
COPY_LABEL = "undertow.io/journal-copy"
ENTRY_ANNOTATION = "undertow.io/journal-entry"
"""On every object undertow creates or patches: `<namespace>/<copy name>/<entry key>`."""
ROLLED_BACK_BY = "undertow.io/rolled-back-by"
"""On a copy: who rolled its run back from the cluster, and when."""
MAX_DATA_BYTES = 1024 * 1024
"""What the API server lets a ConfigMap's or a Secret's data hold (keys and values)."""
SHARD_BYTES = 64 * 1024
"""What one copy object is filled to before the next is started (an entry larger than this
gets an object of its own). Measured on the dev cluster, 1,800 entries written one by one:
14 ms per entry at 64 KiB per object, 120-140 ms at 1 MiB."""
_UID_ROOM = 64
"""Room kept per entry for the uid a `create`'s entry learns after its change."""

Kind = Literal["ConfigMap", "Secret"]
KINDS: tuple[Kind, ...] = ("ConfigMap", "Secret")

_log = logging.getLogger(__name__)


def copy_name(run_id: str) -> str:
    """`undertow-journal-<run id>`, a valid object name."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", run_id.lower())
    return (COPY_PREFIX + cleaned)[:253].rstrip("-")


def shard_name(run_id: str, index: int) -> str:
    """The run's `index`-th copy object of a kind: `undertow-journal-<run>`, then `-2`, `-3`..."""
    base = copy_name(run_id)
    if index == 0:
        return base
    suffix = f"-{index + 1}"
    return base[: 253 - len(suffix)].rstrip("-") + suffix


def kind_for(data: Mapping[str, Any]) -> Kind:
    """Secret for an entry that holds a snapshot or concerns a Secret; ConfigMap otherwise."""
    target = data.get("target") or {}
    if "snapshot" in data or target.get("kind") == "Secret":
        return "Secret"
    return "ConfigMap"


def _encode(kind: Kind, text: str) -> str:
    if kind == "Secret":
        return base64.b64encode(text.encode("utf-8")).decode("ascii")
    return text


def _decode(kind: Kind, value: str) -> str:
    if kind == "Secret":
        return base64.b64decode(value, validate=True).decode("utf-8")
    return value


_Shard = tuple[Kind, int]


@dataclass(frozen=True)
class _Stored:
    shard: _Shard
    size: int


def _entry_size(key: str, text: str) -> int:
    """What an entry takes of its object's 1 MiB: key (renamed `.executed` later) and value
    (a Secret's limit counts the decoded bytes), plus room for a uid learnt later."""
    return len(key) + len(EXECUTED_SUFFIX) + len(text.encode("utf-8")) + _UID_ROOM


def _data_size(kind: Kind, obj: Mapping[str, Any]) -> int:
    """How much of an existing object's data limit is used."""
    total = 0
    for key, value in (obj.get("data") or {}).items():
        text = str(value)
        total += len(key) + (len(text) * 3 // 4 if kind == "Secret" else len(text.encode()))
    return total


class ClusterCopy:
    """The cluster copy of one live run's journal (writes only; `read_copies` reads)."""

    def __init__(self, api: KubeApi, *, namespace: str, run_id: str) -> None:
        self._api = api
        self.namespace = namespace
        self.run_id = run_id
        self.name = copy_name(run_id)
        self._guard = threading.Lock()
        self._exists: set[_Shard] = set()
        self._filled: dict[_Shard, int] = {}
        self._current: dict[Kind, int] = {"ConfigMap": 0, "Secret": 0}
        self._pending: dict[str, _Stored] = {}
        self._used: set[_Shard] = set()

    @classmethod
    def if_namespace_exists(
        cls, api: KubeApi, *, namespace: str, run_id: str, log: logging.Logger
    ) -> ClusterCopy | None:
        """The run's copy when `namespace` exists (and may be read), else None with a warning."""
        try:
            api.get(ObjectRef("v1", "Namespace", namespace, None))
        except errors.KubeError as exc:
            log.warning(
                "no cluster copy of the rollback journal: namespace %s is not there (%s); "
                "`rollback execute --from-cluster` and the guardian cannot restore this run "
                "(deploy/rbac.yaml creates the namespace)",
                namespace,
                exc,
            )
            return None
        return cls(api, namespace=namespace, run_id=run_id)

    def entry_reference(self, name: VersionName) -> str:
        """What the annotation `undertow.io/journal-entry` says for the entry `name`: the
        run's copy and the key (in whichever of the run's copy objects holds it)."""
        return f"{self.namespace}/{self.name}/{name.filename}"

    def _ref(self, shard: _Shard) -> ObjectRef:
        kind, index = shard
        return ObjectRef("v1", kind, shard_name(self.run_id, index), self.namespace)

    def _place(self, kind: Kind, size: int) -> _Shard:
        """Reserve `size` bytes in the kind's current object, or in the next one if it is full."""
        with self._guard:
            index = self._current[kind]
            filled = self._filled.get((kind, index), 0)
            if filled > 0 and filled + size > SHARD_BYTES:
                index += 1
                self._current[kind] = index
            shard = (kind, index)
            self._filled[shard] = self._filled.get(shard, 0) + size
            return shard

    def _release(self, shard: _Shard, size: int) -> None:
        with self._guard:
            self._filled[shard] = self._filled.get(shard, 0) - size

    def store(self, name: VersionName, data: Mapping[str, Any]) -> None:
        """Write one entry's undo data; raises errors.JournalError if it is not written."""
        kind = kind_for(data)
        key = name.filename
        try:
            text = json.dumps(data, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise errors.JournalError(
                f"cannot write entry {key} to the cluster copy: {exc}; the change was not made"
            ) from exc
        size = _entry_size(key, text)
        if size > MAX_DATA_BYTES:
            raise errors.JournalError(
                f"cannot write entry {key} to the cluster copy: its undo data takes {size} "
                f"bytes, more than a {kind} holds ({MAX_DATA_BYTES}); the change was not made"
            )
        value = _encode(kind, text)
        shard = self._place(kind, size)
        try:
            shard = self._write(shard, size, key, value)
        except errors.KubeError as exc:
            self._release(shard, size)
            raise errors.JournalError(
                f"cannot write entry {key} to the cluster copy {kind} {self.namespace}/"
                f"{self._ref(shard).name}: {exc}; the change was not made"
            ) from exc
        with self._guard:
            self._exists.add(shard)
            self._used.add(shard)
            self._pending[key] = _Stored(shard, size)

    def _write(self, shard: _Shard, size: int, key: str, value: str) -> _Shard:
        """Add the key to `shard` (created on first use); the shard it went to."""
        while True:
            with self._guard:
                exists = shard in self._exists
            if exists:
                # A merge patch: once every entry was resolved the server dropped the empty
                # `data` map, where a JSON patch `add /data/<key>` would be refused (422).
                mutate.merge_patch(self._api, self._ref(shard), {"data": {key: value}})
                return shard
            if self._create(shard, key, value):
                return shard
            # The object was there already (a run id used again): count what it holds.
            with self._guard:
                self._exists.add(shard)
            held = sum(_data_size(shard[0], obj) for obj in self._same_name(shard))
            with self._guard:
                self._filled[shard] += held
                full = held > 0 and self._filled[shard] > SHARD_BYTES
            if full:
                self._release(shard, size)
                shard = self._place(shard[0], size)

    def _same_name(self, shard: _Shard) -> list[dict[str, Any]]:
        """The object `shard` names, read by listing (the runner's Role may list, not get)."""
        name = self._ref(shard).name
        return self._api.list(
            "v1", shard[0], namespace=self.namespace, field_selector=f"metadata.name={name}"
        )

    def _create(self, shard: _Shard, key: str, value: str) -> bool:
        """Create the shard holding `key`; False if it exists already."""
        kind = shard[0]
        manifest: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {
                "name": self._ref(shard).name,
                "namespace": self.namespace,
                "labels": {RUN_LABEL: self.run_id, COPY_LABEL: "true"},
            },
            "data": {key: value},
        }
        if kind == "Secret":
            manifest["type"] = "Opaque"
        try:
            mutate.create(self._api, manifest)
        except errors.Conflict:  # created before (a retried call, another writer, a reused id)
            return False
        return True

    def update(self, name: VersionName, data: Mapping[str, Any]) -> None:
        """Replace a pending entry's undo data (the uid a `create` learnt). A failure only
        warns: the entry still finds its object by the entry's labels."""
        key = name.filename
        with self._guard:
            stored = self._pending.get(key)
        if stored is None:
            return
        value = _encode(stored.shard[0], json.dumps(data, sort_keys=True, separators=(",", ":")))
        try:
            mutate.merge_patch(self._api, self._ref(stored.shard), {"data": {key: value}})
        except errors.KubeError as exc:
            _log.warning(
                "could not update %s in the cluster copy %s/%s: %s",
                key,
                self.namespace,
                self._ref(stored.shard).name,
                exc,
            )

    def resolve(self, name: VersionName, *, executed: bool) -> None:
        """The entry was rolled back (renamed `.executed`) or resolved normally (removed).
        A failure only warns: the entry's undo is idempotent if it ever runs again."""
        key = name.filename
        with self._guard:
            stored = self._pending.pop(key, None)
        if stored is None:
            return
        ops: list[dict[str, Any]] = (
            [{"op": "move", "from": f"/data/{key}", "path": f"/data/{key}{EXECUTED_SUFFIX}"}]
            if executed
            else [{"op": "remove", "path": f"/data/{key}"}]
        )
        try:
            mutate.json_patch(self._api, self._ref(stored.shard), ops)
        except errors.KubeError as exc:
            _log.warning(
                "could not mark %s %s in the cluster copy %s/%s: %s",
                key,
                "executed" if executed else "resolved",
                self.namespace,
                self._ref(stored.shard).name,
                exc,
            )
            return
        if not executed:
            self._release(stored.shard, stored.size)

    def close(self) -> None:
        """The run ended: delete the copy if nothing in it is pending (else keep it)."""
        with self._guard:
            if self._pending:
                return
            used = sorted(self._used)
        for shard in used:
            try:
                mutate.delete(self._api, self._ref(shard))
            except errors.NotFound:
                pass
            except errors.KubeError as exc:
                _log.warning(
                    "could not delete the cluster copy %s %s/%s: %s",
                    shard[0],
                    self.namespace,
                    self._ref(shard).name,
                    exc,
                )


@dataclass(frozen=True)
class CopiedRun:
    """One run's cluster copy, as read: its pending entries and what could not be read."""

    run_id: str
    namespace: str
    name: str
    pending: list[JournalEntry]
    executed: int
    refused: list[str]
    objects: list[tuple[Kind, str]]
    """Each of the run's copy objects read: kind and name."""


def entry_path(namespace: str, kind: Kind, name: str, key: str) -> PurePosixPath:
    """How an entry of a copy is shown: `configmap/<namespace>/<name>/<key>`."""
    return PurePosixPath(kind.lower(), namespace, name, key)


def read_copies(api: KubeApi, namespace: str, *, run_id: str | None = None) -> list[CopiedRun]:
    """Every run's copy in `namespace` (or only `run_id`'s), oldest run name first."""
    selector = f"{COPY_LABEL}=true" + (f",{RUN_LABEL}={run_id}" if run_id else "")
    by_run: dict[str, list[tuple[Kind, dict[str, Any]]]] = {}
    for kind in KINDS:
        for obj in api.list("v1", kind, namespace=namespace, label_selector=selector):
            run = str((obj["metadata"].get("labels") or {}).get(RUN_LABEL, ""))
            if run:
                by_run.setdefault(run, []).append((kind, obj))
    return [_parse_run(namespace, run, objs) for run, objs in sorted(by_run.items())]


def _parse_run(namespace: str, run_id: str, objs: list[tuple[Kind, dict[str, Any]]]) -> CopiedRun:
    pending: list[JournalEntry] = []
    refused: list[str] = []
    executed = 0
    objects: list[tuple[Kind, str]] = []
    for kind, obj in objs:
        name = str(obj["metadata"]["name"])
        objects.append((kind, name))
        for key, value in sorted((obj.get("data") or {}).items()):
            parsed = parse_version_file(key)
            where = entry_path(namespace, kind, name, key)
            if parsed is None:
                continue
            if parsed.executed:
                executed += 1
                continue
            try:
                data = json.loads(_decode(kind, str(value)))
            except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
                refused.append(f"{where}: unreadable undo data ({exc}); nothing in it was run")
                continue
            if not isinstance(data, dict) or data.get("run_id") != run_id:
                refused.append(f"{where}: not an undo record of run {run_id}; nothing was run")
                continue
            pending.append(JournalEntry(Path(where), parsed, run_id, data))
    return CopiedRun(run_id, namespace, copy_name(run_id), pending, executed, refused, objects)


def mark_executed(api: KubeApi, entry: JournalEntry) -> None:
    """Rename a copy's entry `<key>.executed`, only if it is still pending there
    (errors.KubeError otherwise: someone else resolved it)."""
    kind_dir, namespace, name, key = PurePosixPath(entry.path).parts[-4:]
    kind: Kind = "Secret" if kind_dir == "secret" else "ConfigMap"
    ops = [{"op": "move", "from": f"/data/{key}", "path": f"/data/{key}{EXECUTED_SUFFIX}"}]
    mutate.json_patch(api, ObjectRef("v1", kind, name, namespace), ops)


def mark_undone_here(api: KubeApi, entries: Sequence[JournalEntry]) -> list[str]:
    """Mark entries a local `rollback execute` undid `.executed` in their run's cluster copy
    (the namespace their `cluster_copy` names), so that neither the guardian nor
    `--from-cluster` undoes them again. Idempotent: an entry no longer pending there (marked
    before, or never copied) is left as it is. Returns what could not be marked, and why."""
    keys: dict[tuple[str, str], set[str]] = {}
    for entry in entries:
        where = str(entry.data.get("cluster_copy") or "")
        if "/" in where:
            keys.setdefault((where.split("/", 1)[0], entry.run_id), set()).add(entry.name.filename)
    problems: list[str] = []
    for (namespace, run_id), wanted in sorted(keys.items()):
        try:
            copies = read_copies(api, namespace, run_id=run_id)
        except errors.KubeError as exc:
            problems.append(f"run {run_id}: its cluster copy in {namespace} was not read: {exc}")
            continue
        for copied in copies:
            for pending in copied.pending:
                if pending.name.filename not in wanted:
                    continue
                try:
                    mark_executed(api, pending)
                except errors.KubeError as exc:
                    if exc.status not in (404, 409, 422):  # resolved there meanwhile: fine
                        problems.append(f"{pending.path}: not marked executed: {exc}")
    return problems
