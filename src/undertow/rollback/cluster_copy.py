"""The journal's cluster copy: every version file's undo data, also stored in the cluster.

A run that writes a version file also writes its undo data (the record, as JSON) into the
cluster, in the same step and before the change: into the run's ConfigMap
`undertow-journal-<run>` in undertow's namespace, or into the run's Secret of the same name
when the entry holds an object snapshot or concerns a Secret (a snapshot may carry secret
values). The key is the version file's name; an entry rolled back is renamed
`<name>.executed`, an entry resolved normally is removed. Each write is one JSON patch of one
key (the API server applies it atomically, so concurrent writers never lose a key); the
objects are created on first use.

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
from collections.abc import Mapping
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

Kind = Literal["ConfigMap", "Secret"]
KINDS: tuple[Kind, ...] = ("ConfigMap", "Secret")

_log = logging.getLogger(__name__)


def copy_name(run_id: str) -> str:
    """`undertow-journal-<run id>`, a valid object name."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", run_id.lower())
    return (COPY_PREFIX + cleaned)[:253].rstrip("-")


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


class ClusterCopy:
    """The cluster copy of one live run's journal (writes only; `read_copies` reads)."""

    def __init__(self, api: KubeApi, *, namespace: str, run_id: str) -> None:
        self._api = api
        self.namespace = namespace
        self.run_id = run_id
        self.name = copy_name(run_id)
        self._guard = threading.Lock()
        self._exists: set[Kind] = set()
        self._pending: dict[str, Kind] = {}
        self._used: set[Kind] = set()

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
        """What the annotation `undertow.io/journal-entry` says for the entry `name`."""
        return f"{self.namespace}/{self.name}/{name.filename}"

    def _ref(self, kind: Kind) -> ObjectRef:
        return ObjectRef("v1", kind, self.name, self.namespace)

    def store(self, name: VersionName, data: Mapping[str, Any]) -> None:
        """Write one entry's undo data; raises errors.JournalError if it is not written."""
        kind = kind_for(data)
        key = name.filename
        try:
            value = _encode(kind, json.dumps(data, sort_keys=True, separators=(",", ":")))
            with self._guard:
                exists = kind in self._exists
            if exists:
                # A merge patch: once every entry was resolved the server dropped the empty
                # `data` map, where a JSON patch `add /data/<key>` would be refused (422).
                mutate.merge_patch(self._api, self._ref(kind), {"data": {key: value}})
            else:
                self._create_or_add(kind, key, value)
        except (TypeError, ValueError, errors.KubeError) as exc:
            raise errors.JournalError(
                f"cannot write entry {key} to the cluster copy {kind} {self.namespace}/"
                f"{self.name}: {exc}; the change was not made"
            ) from exc
        with self._guard:
            self._exists.add(kind)
            self._used.add(kind)
            self._pending[key] = kind

    def _create_or_add(self, kind: Kind, key: str, value: str) -> None:
        manifest: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": kind,
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": {RUN_LABEL: self.run_id, COPY_LABEL: "true"},
            },
            "data": {key: value},
        }
        if kind == "Secret":
            manifest["type"] = "Opaque"
        try:
            mutate.create(self._api, manifest)
        except errors.Conflict:  # created before (a retried call, or another writer)
            mutate.merge_patch(self._api, self._ref(kind), {"data": {key: value}})

    def resolve(self, name: VersionName, *, executed: bool) -> None:
        """The entry was rolled back (renamed `.executed`) or resolved normally (removed).
        A failure only warns: the entry's undo is idempotent if it ever runs again."""
        key = name.filename
        with self._guard:
            kind = self._pending.pop(key, None)
        if kind is None:
            return
        ops: list[dict[str, Any]] = (
            [{"op": "move", "from": f"/data/{key}", "path": f"/data/{key}{EXECUTED_SUFFIX}"}]
            if executed
            else [{"op": "remove", "path": f"/data/{key}"}]
        )
        try:
            mutate.json_patch(self._api, self._ref(kind), ops)
        except errors.KubeError as exc:
            _log.warning(
                "could not mark %s %s in the cluster copy %s/%s: %s",
                key,
                "executed" if executed else "resolved",
                self.namespace,
                self.name,
                exc,
            )

    def close(self) -> None:
        """The run ended: delete the copy if nothing in it is pending (else keep it)."""
        with self._guard:
            if self._pending:
                return
            used = set(self._used)
        for kind in used:
            try:
                mutate.delete(self._api, self._ref(kind))
            except errors.NotFound:
                pass
            except errors.KubeError as exc:
                _log.warning(
                    "could not delete the cluster copy %s %s/%s: %s",
                    kind,
                    self.namespace,
                    self.name,
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
    versions: dict[Kind, str]
    """resourceVersion of each object read."""


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
    versions: dict[Kind, str] = {}
    name = copy_name(run_id)
    for kind, obj in objs:
        name = str(obj["metadata"]["name"])
        versions[kind] = str(obj["metadata"].get("resourceVersion", ""))
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
    return CopiedRun(run_id, namespace, name, pending, executed, refused, versions)


def mark_executed(api: KubeApi, entry: JournalEntry) -> None:
    """Rename a copy's entry `<key>.executed`, only if it is still pending there
    (errors.KubeError otherwise: someone else resolved it)."""
    kind_dir, namespace, name, key = PurePosixPath(entry.path).parts[-4:]
    kind: Kind = "Secret" if kind_dir == "secret" else "ConfigMap"
    ops = [{"op": "move", "from": f"/data/{key}", "path": f"/data/{key}{EXECUTED_SUFFIX}"}]
    mutate.json_patch(api, ObjectRef("v1", kind, name, namespace), ops)
