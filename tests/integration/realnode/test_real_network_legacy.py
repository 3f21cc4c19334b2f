"""Krkn's older network types on the real node, proven by their effect: a pod_network_outage
step blocks a pod's port (pod IP and Service) and lets it through after; a
pod_egress_shaping bandwidth limit slows a transfer; pod_ingress_shaping's random loss,
measured with pings, is in range; latency is refused on this kernel (no netem) before any
fault, and the steps after it are not run. After each, the pod's nftables ruleset
and qdiscs read from the host are what they were. network_chaos_scenarios acts on node
interfaces: on this node, which shares the host's network namespace, it is refused with
nothing created. A named interface the target does not have is bad input (exit 2) found
before any fault: no helper left, nothing pending, the target's state unchanged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from real_pods import wait_for
from test_real_faults import UndertowRun
from test_real_network import (
    assert_left_as_before,
    get,
    helpers,
    module,
    netns_state,
    pings_lost_at_40_percent,
    rate_at_1mbit,
    serve_web,
    summary,
    transfer_rate,
)

from undertow.cluster import realnode

POD_NETWORK = "pod_network_scenarios"
NETWORK_CHAOS = "network_chaos_scenarios"


@pytest.fixture
def web(core: Any, namespace: str) -> dict[str, Any]:
    return serve_web(core, namespace)


def step(kind: str, namespace: str, **config: Any) -> dict[str, Any]:
    """A Krkn pod_network_scenarios step on the `web` pod (Krkn's default image, which the
    local cluster maps to its tools image)."""
    return {
        "id": kind,
        "config": {
            "namespace": namespace,
            "label_selector": "app=web",
            "instance_count": 1,
            "wait_duration": 0,
            "test_duration": 15,
            **config,
        },
    }


def test_a_pod_network_outage_blocks_the_port_then_lets_it_through(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [step("pod_network_outage", namespace, direction=["ingress"], ingress_ports=[8080])]
    run = UndertowRun(tmp_path, kubeconfig, POD_NETWORK, scenario)
    wait_for("the outage in place", lambda: "undertow_" in netns_state(web["pod"]))
    assert "hello" not in get(core, namespace, web["ip"], 8080)
    assert "hello" not in get(core, namespace, web["service"], 80)
    report = run.finish()
    assert report["passed"] == 1, run.output()
    assert "hello" in get(core, namespace, web["ip"], 8080)
    assert "hello" in get(core, namespace, web["service"], 80)
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)
    [injected] = [e for e in report["events"] if e["kind"] == "network.injected"]
    assert (
        'iifname != "lo" meta l4proto { tcp, udp } th dport { 8080 } drop'
        in (injected["data"]["rules"])
    )


def test_pod_egress_shaping_slows_a_transfer(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    free = transfer_rate(core, namespace, web["ip"])
    scenario = [
        step(
            "pod_egress_shaping",
            namespace,
            network_params={"bandwidth": "1mbit"},
            test_duration=30,
        )
    ]
    run = UndertowRun(tmp_path, kubeconfig, POD_NETWORK, scenario)
    limited = rate_at_1mbit(core, namespace, web, free)
    print(f"pod_egress_shaping: {free:.0f} B/s free, {limited:.0f} B/s at 1mbit")
    assert run.finish()["passed"] == 1, run.output()
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)


def test_pod_ingress_shaping_loss_measured_by_a_probe_pod_is_in_range(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [
        step(
            "pod_ingress_shaping",
            namespace,
            network_params={"loss": "40%"},  # netem's spelling, as Krkn's files write it
            test_duration=40,
        )
    ]
    run = UndertowRun(tmp_path, kubeconfig, POD_NETWORK, scenario)
    dropped = pings_lost_at_40_percent(core, namespace, web)
    print(f"pod_ingress_shaping loss 40%: {dropped} of 150 echo requests dropped")
    assert run.finish()["passed"] == 1, run.output()
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)


def test_shaping_latency_is_refused_early_on_a_kernel_without_netem(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    params = {"latency": "50ms", "loss": "0.02", "bandwidth": "100mbit"}  # Krkn's example
    scenario = [
        step("pod_egress_shaping", namespace, network_params=params),
        step("pod_network_outage", namespace, ingress_ports=[8080]),
    ]
    run = UndertowRun(tmp_path, kubeconfig, POD_NETWORK, scenario)
    assert run.proc.wait(timeout=180) == 1, run.output()
    assert "kernel has no netem" in summary(tmp_path)
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)
    assert "network.injected" not in (tmp_path / "reports" / "report.json").read_text()


def test_network_chaos_on_a_node_sharing_the_hosts_network_is_refused(
    core: Any, kubeconfig: str, tmp_path: Path
) -> None:
    wait_for(
        "the real node registered",
        lambda: core.list_node(field_selector=f"metadata.name={realnode.NODE_NAME}").items,
    )
    scenario = {
        "network_chaos": {
            "duration": 5,
            "node_name": realnode.NODE_NAME,
            "execution": "parallel",
            "egress": {"bandwidth": "10mbit"},
        }
    }
    run = UndertowRun(tmp_path, kubeconfig, NETWORK_CHAOS, scenario)
    assert run.proc.wait(timeout=120) == 1, run.output()
    assert "shares the network namespace of the machine undertow runs on" in summary(tmp_path)
    assert not helpers(core, "default")
    assert not list(tmp_path.glob("versions/*/*.py"))


def test_an_absent_interface_is_bad_input_with_nothing_changed(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [
        module("pod_network_filter", namespace, ports=[8080], interfaces=["eth0", "eth9"]),
        module("pod_network_filter", namespace, ports=[8080]),
    ]
    run = UndertowRun(tmp_path, kubeconfig, "network_chaos_ng_scenarios", scenario)
    assert run.proc.wait(timeout=180) == 2, run.output()
    why = summary(tmp_path)
    assert re.search(r"scenario\.yaml:\d+ at \[0\]\.interfaces\[1\]: no such interface eth9 ", why)
    assert "on pod web" in why and "(it has lo, eth0); nothing was changed" in why
    assert "bad input, nothing after it was run: " in run.output()
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert "network.injected" not in {e["kind"] for e in report["events"]}
    assert len(report["scenarios"]) == 1  # the module after it was not run
    assert "hello" in get(core, namespace, web["ip"], 8080)


def test_a_killed_pod_network_outage_is_rolled_back_by_rollback_execute(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [step("pod_network_outage", namespace, ingress_ports=[8080], test_duration=120)]
    run = UndertowRun(tmp_path, kubeconfig, POD_NETWORK, scenario)
    run.kill_when(lambda: "undertow_" in netns_state(web["pod"]))
    assert "hello" not in get(core, namespace, web["ip"], 8080)
    assert len(list(tmp_path.glob("versions/*/*.py"))) == 2  # the helper, the rules
    run.rollback()
    assert "hello" in get(core, namespace, web["ip"], 8080)
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)
