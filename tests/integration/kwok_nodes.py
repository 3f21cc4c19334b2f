"""Manifests of kwok nodes a test adds for itself (importable from every integration test:
tests/integration is on sys.path through its conftest)."""

from __future__ import annotations

from typing import Any

ZONE_LABEL = "topology.kubernetes.io/zone"


def tainted_node(name: str, group_label: str, group: str, zone: str) -> dict[str, Any]:
    """A kwok node in `zone`, labelled and tainted `group_label=group:NoSchedule` so that
    only the test's own workload (which tolerates the taint) lands on it."""
    capacity = {"cpu": "8", "memory": "32Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake"},
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                group_label: group,
                ZONE_LABEL: zone,
            },
        },
        "spec": {
            "providerID": f"kwok://{name}",
            "taints": [{"key": group_label, "value": group, "effect": "NoSchedule"}],
        },
        "status": {"capacity": dict(capacity), "allocatable": dict(capacity)},
    }
