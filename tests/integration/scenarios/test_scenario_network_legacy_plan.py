"""Krkn's older network types on kwok: the plan (`--dry-run`) shows the network_chaos_ng
modules each file is read into, with their targets (what the faults do is proven on the
real node: tests/integration/realnode/test_real_network_legacy.py); a shaping step written
flat, as Krkn's newer files do, plans as its `config:` form in both scenario types."""

from __future__ import annotations

from typing import Any

import pytest
from scenario_harness import ScenarioHarness, ready_pods, wait_for
from scenario_workloads import apply, deployment

from undertow.kube import KubeApi
from undertow.scenarios.common.status import name_of
from undertow.scenarios.network import plugin as ng_plugin
from undertow.scenarios.network.legacy import network_chaos_plugin, pod_network_plugin

pytestmark = pytest.mark.timeout(120)


def test_serial_network_chaos_plans_one_module_per_parameter_on_all_named_nodes(
    harness: ScenarioHarness, kube_api: KubeApi
) -> None:
    """kwok's nodes have this machine's address, so each module's plan says it is refused
    there (as on the real node): the plan still shows one module per parameter, on every
    named node."""
    nodes = sorted(name_of(n) for n in kube_api.list_nodes("type=kwok"))[:2]
    spec = {
        "network_chaos": {
            "duration": 20,
            "node_name": ",".join(nodes),
            "execution": "serial",
            "egress": {"latency": "50ms", "loss": 0.02, "bandwidth": "100mbit"},
        }
    }
    lines = harness.plan(network_chaos_plugin, spec)
    assert [line.split(": node ")[0] for line in lines] == [
        f"[{i}] refused: node_network_chaos" for i in range(3)
    ]
    for line in lines:
        assert f"node {', '.join(nodes)} shares the network namespace of the machine" in line
    [missing] = harness.plan(network_chaos_plugin, {"network_chaos": {"label_selector": "x=y"}})
    assert missing == "[0] would fail: node_network_chaos: no node matches label x=y"


def test_pod_network_steps_plan_a_filter_and_one_way_chaos(
    harness: ScenarioHarness, api_client: Any, kube_api: KubeApi, namespace: str
) -> None:
    apply(api_client, namespace, deployment("shop", replicas=2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=shop")) == 2)
    config = {"namespace": namespace, "label_selector": "app=shop", "test_duration": 10}
    outage, shaping = harness.plan(
        pod_network_plugin,
        [
            {"id": "pod_network_outage", "config": {**config, "ingress_ports": [80]}},
            {
                "id": "pod_ingress_shaping",
                "config": {**config, "instance_count": 0, "network_params": {"loss": "5%"}},
            },
        ],
    )
    assert outage.startswith(
        "[0] pod_network_filter: drop tcp/udp to 80 (ingress/egress) on pod shop-"
    )
    assert shaping.startswith("[1] pod_network_chaos: loss 5% (ingress) on pod shop-")
    assert shaping.count("pod shop-") == 2


def test_a_flat_shaping_step_plans_as_its_config_form_in_both_types(
    harness: ScenarioHarness, api_client: Any, kube_api: KubeApi, namespace: str
) -> None:
    apply(api_client, namespace, deployment("shop", replicas=2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=shop")) == 2)
    flat = {
        "id": "pod_egress_shaping",
        "namespace": namespace,
        "label_selector": "app=shop",
        "instance_count": 0,
        "test_duration": 10,
        "loss": "5%",
        "bandwidth": "10mbit",
    }
    config = {
        "id": "pod_egress_shaping",
        "config": {
            "namespace": namespace,
            "label_selector": "app=shop",
            "instance_count": 0,
            "test_duration": 10,
            "network_params": {"loss": "5%", "bandwidth": "10mbit"},
        },
    }
    [planned] = harness.plan(pod_network_plugin, [config])
    assert planned.startswith("[0] pod_network_chaos: loss 5%, bandwidth 10mbit (egress) on pod")
    assert planned.count("pod shop-") == 2
    assert harness.plan(pod_network_plugin, [flat]) == [planned]
    assert harness.plan(ng_plugin, [flat]) == [planned]
