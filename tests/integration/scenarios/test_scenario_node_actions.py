"""node_scenarios on the local cluster, on kwok nodes of the tests' own (scenario_nodes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scenario_harness import ScenarioHarness, cancel_when, cluster_state, ready_pods, wait_for
from scenario_nodes import (
    IGNORES_STOPS,
    ChaosNodes,
    NodeWatcher,
    chaos_nodes,
    pods_on,
    workload,
)
from scenario_workloads import apply

from undertow.clock import CancelToken
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.common.nodes import node_is_back
from undertow.scenarios.node_actions import plugin


@pytest.fixture(scope="module")
def nodes(api_client: Any, kube_api: KubeApi) -> Iterator[ChaosNodes]:
    with chaos_nodes(api_client, kube_api) as made:
        yield made


def entry(nodes: ChaosNodes, **fields: Any) -> dict[str, Any]:
    return {"node_scenarios": [{"cloud_type": "local", "poll_interval": 1, **fields}]}


def test_stop_start_makes_the_node_notready_evicts_its_pods_then_restores_it(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str, nodes: ChaosNodes
) -> None:
    apply(api_client, namespace, workload("web", nodes, 2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 2)
    target = nodes.names[0]
    victims = pods_on(kube_api, namespace, target)
    assert len(victims) == 1  # one replica per node (topology spread)
    before = cluster_state(kube_api, [namespace])
    spec = entry(nodes, actions=["node_stop_start"], node_name=target, duration=12, timeout=30)
    assert "stop, keep stopped 12s, start" in harness.plan(plugin, spec)[0]
    with NodeWatcher(kube_api, nodes.names) as seen:
        out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert seen.not_ready == {target}
    assert ("node.kubernetes.io/not-ready", "", "NoExecute") in seen.taints[target]
    # The node lifecycle controller evicted the pod once its 2 s toleration ran out.
    assert not set(victims) & set(pods_on(kube_api, namespace, target))
    kinds = out.kinds()
    assert kinds.index("node.stopped") < kinds.index("node.down") < kinds.index("node.started")
    assert kinds.index("node.started") < kinds.index("node.back")
    assert {"max_down_seconds", "max_back_seconds"} <= set(out.result.metrics)
    assert out.settle.complete and out.pending_files() == []
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 2)
    assert cluster_state(kube_api, [namespace]) == before


def test_cordon_taint_and_drain_are_seen_then_undone(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str, nodes: ChaosNodes
) -> None:
    apply(api_client, namespace, workload("api", nodes, 2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=api")) == 2)
    target = nodes.names[1]
    victims = pods_on(kube_api, namespace, target)
    before = cluster_state(kube_api, [namespace])
    spec = entry(
        nodes,
        actions=["node_cordon", "node_taint", "node_drain"],
        node_name=target,
        duration=2,
        timeout=20,
        taints=["undertow.io/chaos=x:NoSchedule", "undertow.io/chaos:NoExecute"],
    )
    with NodeWatcher(kube_api, nodes.names) as seen:
        out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert seen.cordoned == {target}
    assert {("undertow.io/chaos", "x", "NoSchedule"), ("undertow.io/chaos", "", "NoExecute")} <= (
        seen.taints[target]
    )
    assert out.kinds().count("pod.evicted") == len(victims) == 1
    assert not set(victims) & set(pods_on(kube_api, namespace, target))
    assert out.result.metrics["evicted_pods"] == 1
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_drain_respects_a_pod_disruption_budget_and_fails_honestly(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str, nodes: ChaosNodes
) -> None:
    apply(api_client, namespace, workload("db", nodes, 2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=db")) == 2)
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "db"},
        "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "db"}}},
    }
    apply(api_client, namespace, pdb)
    wait_for(
        lambda: (
            kube_api.get(ObjectRef("policy/v1", "PodDisruptionBudget", "db", namespace))
            .get("status", {})
            .get("currentHealthy")
            == 2
        )
    )
    target = nodes.names[0]
    victims = pods_on(kube_api, namespace, target)
    before = cluster_state(kube_api, [namespace])
    spec = entry(nodes, actions=["node_drain"], node_name=target, duration=0, timeout=3)
    out = harness.run(plugin, spec)
    assert out.result is not None and not out.result.passed
    assert "PodDisruptionBudget" in out.result.summary
    assert pods_on(kube_api, namespace, target) == victims  # nothing deleted around the budget
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_cancel_mid_stop_still_brings_the_node_back(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    before = cluster_state(kube_api, [namespace])
    target = nodes.names[1]
    token = CancelToken()

    cancel_once_down = cancel_when(
        token,
        lambda: not node_is_back(kube_api.get(ObjectRef.node(target))),
        timeout=20,
        interval=0.1,
    )
    spec = entry(nodes, actions=["node_stop_start"], node_name=target, duration=120, timeout=30)
    out = harness.run(plugin, spec, cancel=token, on_start=cancel_once_down)
    assert out.result is not None and not out.result.passed
    assert "cancelled" in out.result.summary
    assert node_is_back(kube_api.get(ObjectRef.node(target)))
    assert out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_a_node_not_down_in_time_fails_the_scenario_and_is_still_restored(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    before = cluster_state(kube_api, [namespace])
    target = nodes.names[0]
    spec = entry(nodes, actions=["node_stop"], node_name=target, timeout=0.3)
    out = harness.run(plugin, spec)
    assert out.result is not None and not out.result.passed
    assert f"node {target} not NotReady within 0.3s" in out.result.summary
    assert out.pending_files() == []
    wait_for(lambda: node_is_back(kube_api.get(ObjectRef.node(target))), timeout=30)
    assert cluster_state(kube_api, [namespace]) == before


def test_unsupported_actions_and_providers_fail_before_any_change(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    before = cluster_state(kube_api, [namespace])
    kubelet = entry(nodes, actions=["node_block"], node_name=nodes.names[0])
    assert "would fail: node_block_scenario: not supported" in harness.plan(plugin, kubelet)[0]
    generic = entry(nodes, actions=["node_reboot"], node_name=nodes.names[0])
    generic["node_scenarios"][0]["cloud_type"] = "generic"
    for spec in (kubelet, generic):
        out = harness.run(plugin, spec)
        assert out.result is None and out.error is not None
    assert "cloud_type 'generic' has no node provider" in str(out.error)
    assert cluster_state(kube_api, [namespace]) == before


def test_a_reboot_the_node_never_goes_down_for_fails_and_leaves_it_as_it_was(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    with chaos_nodes(api_client, kube_api, count=1, annotations=IGNORES_STOPS) as stubborn:
        target = stubborn.names[0]
        before = cluster_state(kube_api, [namespace])
        spec = entry(stubborn, actions=["node_reboot"], node_name=target, timeout=3)
        with NodeWatcher(kube_api, stubborn.names) as seen:
            out = harness.run(plugin, spec)
        assert out.result is not None and not out.result.passed, out
        assert f"node {target} still reported Ready 3s after its stop" in out.result.summary
        assert "node.rebooted" not in out.kinds()
        assert seen.not_ready == set()
        assert out.settle.complete and out.pending_files() == []
        assert cluster_state(kube_api, [namespace]) == before
