"""Manifests and reads shared by the journal's integration tests."""

from __future__ import annotations

from typing import Any

from undertow import errors
from undertow.kube import KubeApi, ObjectRef


def config_map(name: str, namespace: str, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    }


def deployment(name: str, namespace: str, replicas: int = 2) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
            },
        },
    }


def exists(api: KubeApi, ref: ObjectRef) -> bool:
    try:
        obj = api.get(ref)
    except errors.NotFound:
        return False
    return not obj["metadata"].get("deletionTimestamp")


def undertow_objects(api: KubeApi, namespace: str | None = None) -> list[str]:
    """Every live object labelled managed-by=undertow (in `namespace`, or anywhere)."""
    found = []
    for api_version, kind in api.listable_kinds():
        if kind in ("Event",):
            continue
        for obj in api.iter(
            api_version, kind, namespace, label_selector="app.kubernetes.io/managed-by=undertow"
        ):
            if not obj["metadata"].get("deletionTimestamp"):
                found.append(f"{kind} {obj['metadata'].get('namespace')}/{obj['metadata']['name']}")
    return found


def node_state(api: KubeApi, name: str) -> dict[str, Any]:
    """The node fields scenarios change, without server-managed noise."""
    node = api.get(ObjectRef.node(name))
    taints = [
        {k: v for k, v in t.items() if k != "timeAdded"} for t in node["spec"].get("taints") or []
    ]
    return {
        "labels": node["metadata"].get("labels"),
        "unschedulable": node["spec"].get("unschedulable"),
        "taints": taints,
    }
