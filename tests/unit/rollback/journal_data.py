"""Undo records used by the journal's unit tests."""

from __future__ import annotations


def delete_data(name: str, namespace: str = "default") -> dict[str, object]:
    """Undo data for a created ConfigMap (what JournaledClient.create records)."""
    return {
        "action": "delete_created",
        "description": f"delete ConfigMap {namespace}/{name} created by undertow",
        "target": {
            "api_version": "v1",
            "kind": "ConfigMap",
            "name": name,
            "namespace": namespace,
            "uid": None,
        },
        "labels": {"undertow.io/run-id": "run-1", "undertow.io/entry": name},
    }
