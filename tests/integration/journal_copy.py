"""Reading what undertow keeps in the cluster for a run (importable from every integration
test: tests/integration is on sys.path through its conftest): its journal copy (a ConfigMap,
and a Secret for snapshots) and its heartbeat Lease, each None while it does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def read_or_none(read: Callable[[], Any]) -> Any | None:
    """`read()`, or None when the API server answers 404."""
    from kubernetes.client.exceptions import ApiException

    try:
        return read()
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def journal_copy(api_client: Any, namespace: str, run_id: str) -> Any | None:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    return read_or_none(
        lambda: core.read_namespaced_config_map(f"undertow-journal-{run_id}", namespace)
    )


def journal_secret(api_client: Any, namespace: str, run_id: str) -> Any | None:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    return read_or_none(
        lambda: core.read_namespaced_secret(f"undertow-journal-{run_id}", namespace)
    )


def read_lease(api_client: Any, namespace: str, name: str) -> Any | None:
    from kubernetes import client

    coordination = client.CoordinationV1Api(api_client)
    return read_or_none(lambda: coordination.read_namespaced_lease(name, namespace))
