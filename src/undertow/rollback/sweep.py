"""Leftovers: objects labelled as undertow's that no journal here will undo.

An object labelled `app.kubernetes.io/managed-by=undertow` whose run is not alive here is
a leftover: at once when its run is known dead in this versions dir, once older than
`min_age` seconds when its run is unknown here (a lost journal, or another machine's run).
Owned objects are left to the garbage collector, terminating ones to the API server. A run's
heartbeat Lease (`undertow.runner.heartbeat`) of a run unknown here that is still renewed
within its duration belongs to a run alive elsewhere and is left alone, however old.

Each leftover's undo step is the one `create` journals (`delete_created`, pinned to the
object's uid), run by the executor's own step, so it ends with the executor's outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from undertow import errors
from undertow.kube import KubeApi, ObjectRef
from undertow.rollback.entry import outcome_ok
from undertow.rollback.executor import undo_step
from undertow.undo.labels import ENTRY_LABEL, MANAGED_SELECTOR, RUN_LABEL
from undertow.undo.outcome import FORMAT
from undertow.undo.records import DeleteCreated


@dataclass(frozen=True)
class Leftover:
    """One leftover object, its run, and the undo step that deletes exactly it."""

    ref: ObjectRef
    run_id: str
    record: DeleteCreated


@dataclass(frozen=True)
class LeftoverOutcome:
    """What the undo step did to one leftover: an executor outcome and its detail."""

    leftover: Leftover
    outcome: str
    detail: str

    @property
    def ok(self) -> bool:
        return outcome_ok(self.outcome)


def leftover(obj: dict[str, Any]) -> Leftover:
    """The leftover for a labelled object as listed (it carries its uid)."""
    ref = ObjectRef.of(obj)
    labels = (obj.get("metadata") or {}).get("labels") or {}
    run_id = str(labels.get(RUN_LABEL, ""))
    record: DeleteCreated = {
        "format": FORMAT,
        "action": "delete_created",
        "description": f"delete leftover {ref} (run {run_id or '?'})",
        "target": {
            "api_version": ref.api_version,
            "kind": ref.kind,
            "name": ref.name,
            "namespace": ref.namespace,
            "uid": ref.uid,
        },
        "labels": {k: str(labels[k]) for k in (RUN_LABEL, ENTRY_LABEL) if k in labels},
    }
    return Leftover(ref, run_id, record)


def _labelled(api: KubeApi, unlisted: list[str]) -> Iterator[dict[str, Any]]:
    """Objects labelled managed-by=undertow, kind by kind. A kind this identity may not list
    (403, e.g. a least-privilege ServiceAccount: deploy/rbac.yaml) is noted in `unlisted`
    and skipped; any other error stops the search."""
    for api_version, kind in api.listable_kinds():
        try:
            yield from api.iter(api_version, kind, label_selector=MANAGED_SELECTOR)
        except errors.Forbidden as exc:
            if exc.status != 403:
                raise
            unlisted.append(f"{kind}.{api_version}")


def _seconds(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _age(meta: dict[str, Any], now: float) -> float:
    return now - _seconds(str(meta.get("creationTimestamp", "")))


def renewed_lease(obj: dict[str, Any], now: float) -> bool:
    """A coordination Lease renewed less than its leaseDurationSeconds ago (a live holder)."""
    if obj.get("kind") != "Lease" or not str(obj.get("apiVersion", "")).startswith(
        "coordination.k8s.io/"
    ):
        return False
    spec = obj.get("spec") or {}
    renewed, duration = spec.get("renewTime"), spec.get("leaseDurationSeconds")
    if not renewed or not isinstance(duration, int):
        return False
    return _seconds(str(renewed)) + duration > now


def find_leftovers(
    api: KubeApi,
    *,
    live: set[str],
    dead: set[str],
    min_age: float,
    now: float,
    unlisted: list[str],
) -> list[Leftover]:
    """The leftovers in the cluster (kinds this identity may not list go to `unlisted`)."""
    found = []
    for obj in _labelled(api, unlisted):
        meta = obj["metadata"]
        run = (meta.get("labels") or {}).get(RUN_LABEL, "")
        if run in live or meta.get("ownerReferences") or meta.get("deletionTimestamp"):
            continue  # a live run's, or owned (garbage-collected with its owner)
        if run not in dead and renewed_lease(obj, now):
            continue  # the heartbeat of a run alive on another machine
        if run in dead or _age(meta, now) >= min_age:
            found.append(leftover(obj))
    return found


def remove_leftovers(
    leftovers: Sequence[Leftover], cluster: Callable[[], KubeApi], *, dry_run: bool = False
) -> list[LeftoverOutcome]:
    """Run each leftover's undo step; one failure never stops the others."""
    outcomes = []
    for item in leftovers:
        outcome, detail = undo_step(item.record, cluster, dry_run=dry_run)
        outcomes.append(LeftoverOutcome(item, outcome, detail))
    return outcomes
