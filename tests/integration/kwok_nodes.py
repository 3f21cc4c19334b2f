"""Manifests of kwok nodes a test adds for itself (importable from every integration test:
tests/integration is on sys.path through its conftest)."""

from __future__ import annotations

from typing import Any

from undertow.cluster.nodes import kwok_node


def tainted_node(name: str, group_label: str, group: str, zone: str) -> dict[str, Any]:
    """A kwok node in `zone`, labelled and tainted `group_label=group:NoSchedule` so that
    only the test's own workload (which tolerates the taint) lands on it."""
    return kwok_node(
        name,
        zone,
        labels={group_label: group},
        taints=[{"key": group_label, "value": group, "effect": "NoSchedule"}],
    )
