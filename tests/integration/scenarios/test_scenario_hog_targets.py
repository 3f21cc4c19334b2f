"""hog_scenarios' node choice on kwok nodes: the plan names each node, a missing node fails
before anything is created, and a run that is cancelled removes every hog pod it made.
(What the hog does to a node is proven on the real node: tests/integration/realnode.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from scenario_harness import ScenarioHarness, cluster_state, wait_for
from scenario_nodes import ChaosNodes, chaos_nodes

from undertow.clock import CancelToken
from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.scenarios.hogs import plugin

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def nodes(api_client: Any, kube_api: KubeApi) -> Iterator[ChaosNodes]:
    with chaos_nodes(api_client, kube_api) as made:
        yield made


def hog(namespace: str, nodes: ChaosNodes, **fields: Any) -> dict[str, Any]:
    return {
        "hog-type": "cpu",
        "duration": 30,
        "namespace": namespace,
        "node-selector": nodes.selector,
        "taints": [f"{nodes.selector}:NoSchedule"],
        **fields,
    }


def test_the_plan_names_each_node_and_its_command(
    harness: ScenarioHarness, namespace: str, nodes: ChaosNodes
) -> None:
    every = harness.plan(plugin, hog(namespace, nodes))
    assert [n for n in nodes.names if any(f"on node {n} " in line for line in every)] == nodes.names
    assert "--cpu-load 80" in every[0] and "--timeout 30s" in every[0]
    one = harness.plan(plugin, hog(namespace, nodes, **{"number-of-nodes": 1}))
    assert len([line for line in one if "on node" in line]) == 1
    missing = harness.plan(plugin, hog(namespace, nodes, **{"node-name": "no-such-node"}))
    assert missing == ["would fail: node-name: no such node: no-such-node"]


def test_a_missing_node_fails_before_anything_is_created(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    before = cluster_state(kube_api, [namespace])
    names = f"{nodes.names[0]},no-such-node"
    outcome = harness.run(plugin, hog(namespace, nodes, **{"node-name": names}))
    assert isinstance(outcome.error, ScenarioError)
    assert "no such node: no-such-node" in str(outcome.error)
    assert outcome.pending_files() == []
    assert not [e for e in outcome.events if e.kind == "hog.created"]
    assert cluster_state(kube_api, [namespace]) == before


def test_a_cancelled_hog_removes_every_pod(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    before = cluster_state(kube_api, [namespace])
    cancel = CancelToken()

    def cancel_once_all_run() -> None:
        wait_for(
            lambda: (
                len(
                    [
                        p
                        for p in kube_api.list_pods(namespace, "undertow.io/hog")
                        if (p.get("status") or {}).get("phase") == "Running"
                    ]
                )
                == len(nodes.names)
            )
        )
        cancel.cancel()

    canceller = threading.Thread(target=cancel_once_all_run)
    canceller.start()
    outcome = harness.run(plugin, hog(namespace, nodes), cancel=cancel)
    canceller.join()
    assert outcome.result is not None and not outcome.result.passed
    assert outcome.result.summary == "cancelled"
    assert sorted(outcome.result.targets) == nodes.names
    assert outcome.pending_files() == []
    wait_for(lambda: kube_api.list_pods(namespace, "undertow.io/hog") == [])
    assert cluster_state(kube_api, [namespace]) == before
