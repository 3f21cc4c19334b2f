"""kwok's fake nodes: create them spread over zones, wait until they are Ready and schedulable.

The API server keeps the status given at creation (capacity/allocatable); kwok fills in the
conditions and renews each node's Lease, and the node-lifecycle controller lifts the
`node.kubernetes.io/not-ready` taint once Ready is True.
"""

from __future__ import annotations

import string
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from undertow.errors import LocalClusterError

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
CAPACITY = {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"}


def zone_name(index: int, zones: int) -> str:
    """zone-a, zone-b, ... (zone-<n> past 26 zones)."""
    slot = index % zones
    return f"zone-{string.ascii_lowercase[slot]}" if zones <= 26 else f"zone-{slot}"


def kwok_node(
    name: str,
    zone: str,
    *,
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """A Node that kwok plays (annotated fake, providerID kwok://), in `zone`."""
    spec: dict[str, Any] = {"providerID": f"kwok://{name}"}
    if taints:
        spec["taints"] = [dict(t) for t in taints]
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
                "kubernetes.io/arch": "amd64",
                ZONE_LABEL: zone,
                **(labels or {}),
            },
        },
        "spec": spec,
        "status": {"capacity": dict(CAPACITY), "allocatable": dict(CAPACITY)},
    }


def node_manifest(index: int, zones: int) -> dict[str, Any]:
    """The cluster's own node number `index`, spread over `zones` zones."""
    return kwok_node(f"kwok-node-{index}", zone_name(index, zones), labels={REGION_LABEL: "local"})


def node_ready(node: Any) -> bool:
    """Ready=True and no not-ready taint left (only then does the scheduler use it)."""
    conditions = node.status.conditions or []
    ready = any(c.type == "Ready" and c.status == "True" for c in conditions)
    taints = node.spec.taints or []
    return ready and not any(t.key == NOT_READY_TAINT for t in taints)


def api_client(kubeconfig: Path) -> Any:
    from kubernetes import config

    return config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]


def create_nodes(kubeconfig: Path, count: int, zones: int) -> None:
    """Create kwok-node-0..count-1 (existing ones are left as they are)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    with api_client(kubeconfig) as api:
        core: Any = client.CoreV1Api(api)

        def create(index: int) -> None:
            try:
                core.create_node(node_manifest(index, zones))
            except ApiException as exc:
                if exc.status != 409:
                    raise LocalClusterError(f"creating node kwok-node-{index}: {exc}") from exc

        with ThreadPoolExecutor(max_workers=min(16, max(1, count))) as pool:
            list(pool.map(create, range(count)))


def count_ready_nodes(kubeconfig: Path) -> tuple[int, int]:
    """(ready, total) over the kwok nodes."""
    from kubernetes import client

    with api_client(kubeconfig) as api:
        nodes = client.CoreV1Api(api).list_node(label_selector="type=kwok").items
    return sum(1 for n in nodes if node_ready(n)), len(nodes)


def wait_nodes_ready(kubeconfig: Path, count: int, deadline_s: float) -> float:
    started = time.monotonic()
    ready = total = 0
    while time.monotonic() - started < deadline_s:
        ready, total = count_ready_nodes(kubeconfig)
        if ready >= count:
            return time.monotonic() - started
        time.sleep(0.5)
    raise LocalClusterError(
        f"only {ready} of {count} nodes became Ready within {deadline_s:.0f}s ({total} exist); "
        "see the kwok and kube-controller-manager logs"
    )


def wait_default_service_account(kubeconfig: Path, deadline_s: float) -> float:
    """Pods are rejected by ServiceAccount admission until the controller creates `default`."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    started = time.monotonic()
    with api_client(kubeconfig) as api:
        core = client.CoreV1Api(api)
        while time.monotonic() - started < deadline_s:
            try:
                core.read_namespaced_service_account("default", "default")
                return time.monotonic() - started
            except ApiException as exc:
                if exc.status != 404:
                    raise LocalClusterError(
                        f"reading default/default ServiceAccount: {exc}"
                    ) from exc
            time.sleep(0.25)
    raise LocalClusterError(
        "the `default` ServiceAccount never appeared: see the kube-controller-manager log"
    )
