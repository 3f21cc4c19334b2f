"""The real `LeaseStore`: a `coordination.k8s.io/v1` Lease in undertow's namespace.

The Lease is undertow's own marker, not a change to the system under test: it carries the
labels every undertow object carries (a random `undertow.io/entry` token too, which the
sweep's undo step checks), so `rollback sweep` finds and removes it once its run is dead.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from undertow import errors
from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.undo.labels import ENTRY_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_LABEL

API_VERSION = "coordination.k8s.io/v1"
KIND = "Lease"


def micro_time(seconds: float) -> str:
    """A Kubernetes MicroTime: `2026-11-26T17:05:00.123456Z`."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class KubeLeaseStore:
    """Leases of one run in one namespace (the uid pins the delete to the Lease it made)."""

    def __init__(self, api: KubeApi, *, namespace: str, run_id: str) -> None:
        self._api = api
        self._namespace = namespace
        self._run_id = run_id
        self._uid: str | None = None

    def _ref(self, name: str) -> ObjectRef:
        return ObjectRef(API_VERSION, KIND, name, self._namespace, uid=self._uid)

    def create(self, name: str, *, holder: str, duration: int, renewed: float) -> None:
        now = micro_time(renewed)
        manifest: dict[str, Any] = {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": {
                "name": name,
                "namespace": self._namespace,
                "labels": {
                    MANAGED_BY_LABEL: MANAGED_BY_VALUE,
                    RUN_LABEL: self._run_id,
                    ENTRY_LABEL: secrets.token_hex(8),
                },
            },
            "spec": {
                "holderIdentity": holder,
                "leaseDurationSeconds": duration,
                "acquireTime": now,
                "renewTime": now,
            },
        }
        created = mutate.create(self._api, manifest)
        self._uid = str(created["metadata"]["uid"])

    def renew(self, name: str, *, renewed: float) -> None:
        ops = [{"op": "replace", "path": "/spec/renewTime", "value": micro_time(renewed)}]
        if self._uid:
            ops.insert(0, {"op": "test", "path": "/metadata/uid", "value": self._uid})
        mutate.json_patch(self._api, self._ref(name), ops)

    def delete(self, name: str) -> None:
        """Delete the Lease; already gone counts as deleted."""
        with contextlib.suppress(errors.NotFound):
            mutate.delete(self._api, self._ref(name))


def parse_micro_time(text: str) -> float:
    """Seconds since the epoch of a Kubernetes MicroTime (or RFC 3339 time)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class LeaseState:
    """A run's Lease as read: who holds it, until when, and its resourceVersion."""

    name: str
    holder: str
    expires: float
    """Seconds since the epoch when it lapses unless renewed."""
    resource_version: str

    def fresh(self, now: float) -> bool:
        return now < self.expires

    @classmethod
    def of(cls, lease: dict[str, Any]) -> LeaseState:
        spec = lease.get("spec") or {}
        renewed = spec.get("renewTime") or spec.get("acquireTime")
        start = parse_micro_time(renewed) if renewed else 0.0
        return cls(
            name=str(lease["metadata"]["name"]),
            holder=str(spec.get("holderIdentity") or ""),
            expires=start + float(spec.get("leaseDurationSeconds") or 0),
            resource_version=str(lease["metadata"].get("resourceVersion", "")),
        )


def read_lease(api: KubeApi, namespace: str, name: str) -> LeaseState | None:
    """The Lease `name`, or None if there is none."""
    try:
        return LeaseState.of(api.get(ObjectRef(API_VERSION, KIND, name, namespace)))
    except errors.NotFound:
        return None
