"""Read the state of API objects (as plain dicts in the API's JSON shape)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Obj = Mapping[str, Any]


def meta(obj: Obj) -> Mapping[str, Any]:
    value = obj.get("metadata")
    return value if isinstance(value, Mapping) else {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def namespace_of(obj: Obj) -> str:
    return str(meta(obj).get("namespace") or "")


def uid_of(obj: Obj) -> str:
    return str(meta(obj).get("uid") or "")


def labels_of(obj: Obj) -> Mapping[str, str]:
    value = meta(obj).get("labels")
    return value if isinstance(value, Mapping) else {}


def is_terminating(obj: Obj) -> bool:
    return meta(obj).get("deletionTimestamp") is not None


def controller_uid(obj: Obj) -> str | None:
    """The uid of the object's controlling owner (ReplicaSet, StatefulSet, ...), if any."""
    for owner in meta(obj).get("ownerReferences") or []:
        if owner.get("controller"):
            return str(owner.get("uid"))
    return None


def _condition(obj: Obj, kind: str) -> str | None:
    status = obj.get("status") or {}
    for cond in status.get("conditions") or []:
        if cond.get("type") == kind:
            return str(cond.get("status"))
    return None


def pod_is_ready(pod: Obj) -> bool:
    """Running, Ready=True and not being deleted: a pod that serves."""
    phase = (pod.get("status") or {}).get("phase")
    return phase == "Running" and _condition(pod, "Ready") == "True" and not is_terminating(pod)


def node_is_ready(node: Obj) -> bool:
    return _condition(node, "Ready") == "True"


def node_taints(node: Obj) -> list[Mapping[str, Any]]:
    return list((node.get("spec") or {}).get("taints") or [])
