"""Krkn's older network files (`network_chaos_scenarios`, `pod_network_scenarios`): Krkn's own
example files validate once their placeholders are filled in, and each is read into the
network_chaos_ng modules that run it (so the same helpers, builders and undo apply)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from undertow.scenarios.network.legacy import OutageFilter, node_modules, pod_modules
from undertow.scenarios.network.legacy_spec import NetworkChaosSpec, PodNetworkSpec
from undertow.scenarios.network.rules import filter_rules
from undertow.scenarios.network.spec import ChaosModule

KRKN = Path(__file__).parents[2] / "data" / "krkn"
EXAMPLES = Path(__file__).parents[3] / "examples"
PLACEHOLDERS = {
    "<label_selector>": "app=web",
    "<interface_name>": "eth0",
    "<namespace>": "shop",
    "<egress/ingress>": "ingress",
    "<port number>": "8080",
    "<pod name>": '""',
    "<number>": "1",
    "<time_duration>": "10",
    "<time>": "50ms",
    "<fraction>": '"0.02"',
    "<rate>": "100mbit",
    "<serial/parallel>": "parallel",
}


def krkn_file(name: str) -> Any:
    """One of Krkn's example files, filled in as a user would (Kubernetes would reject
    Krkn's placeholders as names, and they are not numbers)."""
    text = (KRKN / name).read_text()
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return yaml.safe_load(text)


def test_krkns_network_chaos_files_run_one_egress_module_per_parameter_when_serial() -> None:
    spec = NetworkChaosSpec.model_validate(krkn_file("network_chaos/network_chaos.yaml"))
    modules = node_modules(spec)
    assert [m.kind for m in modules] == ["node_network_chaos"] * 3
    assert all(isinstance(m, ChaosModule) for m in modules)
    latency, loss, bandwidth = modules
    assert isinstance(latency, ChaosModule) and latency.latency == "50ms" and not latency.loss
    assert isinstance(loss, ChaosModule) and loss.loss == 0.02 and not loss.bandwidth
    assert isinstance(bandwidth, ChaosModule) and bandwidth.bandwidth == "100mbit"
    for module in modules:
        assert (module.ingress, module.egress) == (False, True)
        assert module.label_selector == "app=web" and module.instance_count == 1
        assert module.interfaces == ["eth0"] and module.test_duration == 300
    openshift = NetworkChaosSpec.model_validate(
        krkn_file("network_chaos/openshift_network_chaos.yaml")
    )
    assert len(node_modules(openshift)) == 2


def test_parallel_is_one_module_and_node_names_are_all_taken() -> None:
    spec = NetworkChaosSpec.model_validate(
        {
            "network_chaos": {
                "node_name": "worker-0, worker-1",
                "execution": "parallel",
                "egress": {"loss": "5%", "bandwidth": "10mbit"},
            }
        }
    )
    [module] = node_modules(spec)
    assert isinstance(module, ChaosModule)
    assert (module.target, module.instance_count) == ("worker-0,worker-1", 0)
    assert (module.loss, module.bandwidth, module.latency) == (5, "10mbit", None)


def test_krkns_defaults_are_the_master_label_and_100mbit() -> None:
    [module] = node_modules(NetworkChaosSpec.model_validate({"network_chaos": {}}))
    assert isinstance(module, ChaosModule)
    assert module.label_selector == "node-role.kubernetes.io/master"
    assert "node-role.kubernetes.io/master:NoSchedule" in module.taints
    assert (module.bandwidth, module.test_duration, module.interfaces) == ("100mbit", 300, [])


def test_krkns_pod_network_files_become_a_filter_and_one_way_chaos() -> None:
    [outage] = pod_modules(
        PodNetworkSpec.model_validate(krkn_file("pod_network/pod_network_outage.yml"))
    )
    assert isinstance(outage, OutageFilter)
    assert (outage.ingress, outage.egress, outage.ports) == (True, False, [8080])
    assert (outage.namespace, outage.label_selector, outage.target) == ("shop", "app=web", "")
    assert (outage.test_duration, outage.wait_duration, outage.protocols) == (
        10,
        10,
        ["tcp", "udp"],
    )
    [egress] = pod_modules(
        PodNetworkSpec.model_validate(krkn_file("pod_network/pod_network_shaping.yml"))
    )
    [ingress] = pod_modules(
        PodNetworkSpec.model_validate(krkn_file("pod_network/pod_ingress_shaping.yml"))
    )
    for module, way in ((egress, (False, True)), (ingress, (True, False))):
        assert isinstance(module, ChaosModule)
        assert (module.ingress, module.egress) == way
        assert (module.latency, module.loss, module.bandwidth) == ("50ms", 0.02, "100mbit")


def test_an_outage_drops_its_own_ports_each_way_and_a_pod_name_wins() -> None:
    spec = PodNetworkSpec.model_validate(
        [
            {
                "id": "pod_network_outage",
                "config": {
                    "namespace": "shop",
                    "pod_name": "web-0",
                    "label_selector": "app=web",
                    "ingress_ports": [8080],
                    "egress_ports": [53],
                },
            }
        ]
    )
    [module] = pod_modules(spec)
    assert (module.target, module.label_selector) == ("web-0", "")
    assert isinstance(module, OutageFilter)
    rules = filter_rules(
        "t",
        ingress=module.ingress,
        egress=module.egress,
        protocols=module.protocols,
        ports=module.ports,
        interfaces=[],
        egress_ports=module.egress_ports,
    )
    assert 'iifname != "lo" meta l4proto { tcp, udp } th dport { 8080 } drop' in rules
    assert 'oifname != "lo" meta l4proto { tcp, udp } th dport { 53 } drop' in rules


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"network_chaos": {"egress": {"loss": 0}}}, "network_chaos.egress"),
        ({"network_chaos": {"egress": {"loss": 101}}}, "network_chaos.egress.loss"),
        ({"network_chaos": {"interfaces": ["a b"]}}, "network_chaos.interfaces.0"),
        ({"network_chaos": {"execution": "both"}}, "network_chaos.execution"),
        ([{"id": "pod_network_outage", "config": {"namespace": "shop"}}], "0.config"),
        (
            [
                {
                    "id": "pod_network_outage",
                    "config": {"namespace": "s", "pod_name": "p", "direction": []},
                }
            ],
            "0.config.direction",
        ),
        ([{"id": "pod_network_chaos", "config": {}}], "0.id"),
        (
            [{"id": "pod_egress_shaping", "config": {"namespace": "s", "pod_name": "p"}}],
            "0",
        ),
    ],
)
def test_bad_values_are_refused_with_their_field(document: Any, where: str) -> None:
    model = NetworkChaosSpec if isinstance(document, dict) else PodNetworkSpec
    with pytest.raises(ValidationError) as caught:
        model.model_validate(document)
    loc = caught.value.errors()[0]["loc"]  # without the union's bracketed tags, as the CLI
    assert ".".join(str(p) for p in loc if not str(p).startswith("[")) == where


@pytest.mark.parametrize(
    ("name", "model"),
    [("network_chaos.yaml", NetworkChaosSpec), ("pod_network.yaml", PodNetworkSpec)],
)
def test_the_example_files_validate(name: str, model: Any) -> None:
    model.model_validate(yaml.safe_load((EXAMPLES / name).read_text()))


def test_node_names_are_checked_against_the_cluster_before_any_change() -> None:
    from undertow.scenarios.base import NamesNodes
    from undertow.scenarios.network.legacy import network_chaos_plugin

    spec = NetworkChaosSpec.model_validate({"network_chaos": {"node_name": "a, b"}})
    assert isinstance(network_chaos_plugin, NamesNodes)
    assert network_chaos_plugin.named_nodes(spec) == [
        (("network_chaos", "node_name"), "a"),
        (("network_chaos", "node_name"), "b"),
    ]
