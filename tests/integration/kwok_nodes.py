"""Manifests of kwok nodes a test adds for itself (importable from every integration test:
tests/integration is on sys.path through its conftest)."""

from __future__ import annotations

from typing import Any

from undertow.cluster.nodes import kwok_node

GROUP_LABELS = ("undertow.io/test-nodes", "undertow.io/deploy-test")
"""The label keys tests group the nodes they add by (scenario tests, the deploy test)."""

_MADE_HERE: set[str] = set()


def tainted_node(name: str, group_label: str, group: str, zone: str) -> dict[str, Any]:
    """A kwok node in `zone`, labelled and tainted `group_label=group:NoSchedule` so that
    only the test's own workload (which tolerates the taint) lands on it."""
    assert group_label in GROUP_LABELS
    _MADE_HERE.add(name)
    return kwok_node(
        name,
        zone,
        labels={group_label: group},
        taints=[{"key": group_label, "value": group, "effect": "NoSchedule"}],
    )


def another_process_node(node: dict[str, Any]) -> bool:
    """A node that another test process sharing the cluster added for itself: it carries a
    test group label, and this process did not make it."""
    labels = node["metadata"].get("labels") or {}
    grouped = any(key in labels for key in GROUP_LABELS)
    return grouped and node["metadata"]["name"] not in _MADE_HERE
