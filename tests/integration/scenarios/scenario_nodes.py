"""Dedicated kwok nodes for the node and zone scenarios' tests.

Node faults act on the whole cluster, so these tests never touch the cluster's own nodes:
they add kwok nodes of their own, in a zone of their own, tainted so that no other test's pod
lands on them (their workloads tolerate the taint), and delete them afterwards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kwok_nodes import tainted_node
from scenario_harness import wait_for

from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.common.nodes import node_is_back

TEST_LABEL = "undertow.io/test-nodes"
EVICT_AFTER_S = 2
"""Workload pods tolerate a NotReady node this long (the cluster default is 30 s)."""


@dataclass(frozen=True)
class ChaosNodes:
    group: str
    zone: str
    names: list[str]

    @property
    def selector(self) -> str:
        return f"{TEST_LABEL}={self.group}"


IGNORES_STOPS = {
    "node-not-ready.stage.kwok.x-k8s.io/delay": "1h",
    "node-not-ready.stage.kwok.x-k8s.io/jitter-delay": "1h",
}
"""Annotations that make kwok wait an hour before a stopped node reports NotReady: a machine
that ignores the stop (kwok's delay is the smaller of the two, so both are set)."""


def node_manifest(
    name: str, group: str, zone: str, annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    manifest = tainted_node(name, TEST_LABEL, group, zone)
    manifest["metadata"]["annotations"].update(annotations or {})
    return manifest


@contextmanager
def chaos_nodes(
    api_client: Any, api: KubeApi, count: int = 2, annotations: dict[str, str] | None = None
) -> Iterator[ChaosNodes]:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    group = uuid.uuid4().hex[:6]
    nodes = ChaosNodes(group, f"zone-test-{group}", [f"chaos-{group}-{i}" for i in range(count)])
    for name in nodes.names:
        core.create_node(node_manifest(name, group, nodes.zone, annotations))
    try:
        wait_for(
            lambda: all(node_is_back(api.get(ObjectRef.node(n))) for n in nodes.names), timeout=60
        )
        yield nodes
    finally:
        for name in nodes.names:
            core.delete_node(name)


def workload(name: str, nodes: ChaosNodes, replicas: int) -> dict[str, Any]:
    """A Deployment pinned to the test nodes, evicted `EVICT_AFTER_S` after its node fails."""
    tolerations = [
        {"key": TEST_LABEL, "operator": "Equal", "value": nodes.group, "effect": "NoSchedule"},
        *(
            {
                "key": f"node.kubernetes.io/{why}",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": EVICT_AFTER_S,
            }
            for why in ("not-ready", "unreachable")
        ),
    ]
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "nodeSelector": {TEST_LABEL: nodes.group},
                    "tolerations": tolerations,
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": "kubernetes.io/hostname",
                            "whenUnsatisfiable": "DoNotSchedule",
                            "labelSelector": {"matchLabels": labels},
                        }
                    ],
                    "containers": [{"name": "web", "image": "nginx:1.27"}],
                },
            },
        },
    }


def pods_on(api: KubeApi, namespace: str, node: str) -> dict[str, str]:
    """uid → name of the live pods on `node`."""
    return {
        p["metadata"]["uid"]: p["metadata"]["name"]
        for p in api.list("v1", "Pod", namespace, field_selector=f"spec.nodeName={node}")
        if not p["metadata"].get("deletionTimestamp")
    }


class NodeWatcher:
    """Polls the test nodes in the background and remembers what it saw."""

    def __init__(self, api: KubeApi, names: list[str]) -> None:
        import threading

        self.api = api
        self.names = names
        self.not_ready: set[str] = set()
        self.cordoned: set[str] = set()
        self.taints: dict[str, set[tuple[str, str, str]]] = {n: set() for n in names}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> NodeWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for name in self.names:
                node = self.api.get(ObjectRef.node(name))
                ready = [c for c in node["status"].get("conditions", []) if c["type"] == "Ready"]
                if ready and ready[0]["status"] != "True":
                    self.not_ready.add(name)
                if node["spec"].get("unschedulable"):
                    self.cordoned.add(name)
                for t in node["spec"].get("taints") or []:
                    self.taints[name].add((t["key"], t.get("value", ""), t["effect"]))
            time.sleep(0.2)
