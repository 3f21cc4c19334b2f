"""`ObjectRef`: how undertow names one Kubernetes object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ObjectRef:
    """One object: group/version, kind, name, namespace (None if cluster-scoped), uid if known."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None
    uid: str | None = None

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ObjectRef:
        """The reference of an object as returned by the API (a dict with metadata)."""
        meta = obj.get("metadata") or {}
        return cls(
            api_version=str(obj["apiVersion"]),
            kind=str(obj["kind"]),
            name=str(meta.get("name", "")),
            namespace=meta.get("namespace"),
            uid=meta.get("uid"),
        )

    @classmethod
    def node(cls, name: str) -> ObjectRef:
        return cls("v1", "Node", name)

    def same_object(self, other: ObjectRef) -> bool:
        """True if both name the same object (a missing uid on either side matches)."""
        return (self.api_version, self.kind, self.name, self.namespace) == (
            other.api_version,
            other.kind,
            other.name,
            other.namespace,
        ) and (self.uid is None or other.uid is None or self.uid == other.uid)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "api_version": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "uid": self.uid,
        }

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"
