"""zone_outages_scenarios with cloud_type local, on a zone of the tests' own kwok nodes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scenario_harness import ScenarioHarness, cluster_state, ready_pods, wait_for
from scenario_nodes import ChaosNodes, NodeWatcher, chaos_nodes, pods_on, workload
from scenario_workloads import apply

from undertow.kube import KubeApi
from undertow.scenarios.zone_outage import plugin


@pytest.fixture(scope="module")
def zone(api_client: Any, kube_api: KubeApi) -> Iterator[ChaosNodes]:
    with chaos_nodes(api_client, kube_api, count=2) as made:
        yield made


def test_every_node_of_the_zone_goes_notready_for_the_duration_then_comes_back(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str, zone: ChaosNodes
) -> None:
    apply(api_client, namespace, workload("shop", zone, 2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=shop")) == 2)
    victims = {uid for n in zone.names for uid in pods_on(kube_api, namespace, n)}
    before = cluster_state(kube_api, [namespace])
    spec = {"zone_outage": {"cloud_type": "local", "zone": zone.zone, "duration": 10}}
    assert (
        f"stop every node of zone {zone.zone} ({', '.join(zone.names)})"
        in harness.plan(plugin, spec)[0]
    )
    with NodeWatcher(kube_api, zone.names) as seen:
        out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert seen.not_ready == set(zone.names)
    assert out.result.metrics["outage_seconds"] >= 10  # held for its duration
    assert "back_seconds" in out.result.metrics
    # The node-lifecycle controller taints NotReady nodes NoExecute at --node-eviction-rate
    # (0.1 node/s in a zone): within 10 s at least one node's pod outlived its 2 s toleration.
    assert any(
        ("node.kubernetes.io/not-ready", "", "NoExecute") in seen.taints[n] for n in zone.names
    )
    still = {uid for n in zone.names for uid in pods_on(kube_api, namespace, n)}
    assert len(victims & still) < len(victims) == 2
    assert [k for k in out.kinds() if k.startswith("zone")] == ["zone.down"]
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_an_empty_zone_fails_before_any_change(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str
) -> None:
    spec = {"zone_outage": {"cloud_type": "local", "zone": "no-such-zone", "duration": 1}}
    assert harness.plan(plugin, spec) == [
        "would fail: no node is labelled topology.kubernetes.io/zone=no-such-zone"
    ]
    out = harness.run(plugin, spec)
    assert out.result is None and "no-such-zone" in str(out.error)
    assert out.pending_files() == []
