"""Golden files of every nft ruleset and tc/ip command line a network module builds, for
the option combinations of Krkn's example files (and undertow's netem fields): any change
to what runs in a target's network namespace shows as a diff of these files.

Krkn's older network files (`network_chaos_scenarios`, `pod_network_scenarios`) have golden
files of their own (`legacy-*`): every module they are read into and what it runs; so do
its newer flat shaping modules (`flat-*`).

Regenerate after an intended change: UNDERTOW_REGEN_GOLDEN=1 pytest <this file>.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_network_legacy import krkn_file

from undertow.scenarios.network import faults
from undertow.scenarios.network.legacy import node_modules, pod_modules
from undertow.scenarios.network.legacy_spec import NetworkChaosSpec, PodNetworkSpec
from undertow.scenarios.network.plugin import modules_of
from undertow.scenarios.network.rules import table_name
from undertow.scenarios.network.script import NetnsFault, helper_command, probe
from undertow.scenarios.network.spec import (
    ChaosModule,
    FilterModule,
    InterfaceDownModule,
    NetworkChaosNgSpec,
    NetworkModule,
)

GOLDEN = Path(__file__).parents[2] / "data" / "network_golden"


def _node_modules(document: Any) -> list[NetworkModule]:
    return node_modules(NetworkChaosSpec.model_validate(document))


def _pod_modules(document: Any) -> list[NetworkModule]:
    return pod_modules(PodNetworkSpec.model_validate(document))


def _ng_modules(document: Any) -> list[NetworkModule]:
    return [module for module, _ in modules_of(NetworkChaosNgSpec.model_validate(document))]


RUN_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
POD_UID = "640129d8-c8b6-47b5-9948-c0ae0a16c7a2"
DEVS = ["eth0"]

CASES: dict[str, dict[str, Any]] = {
    # Krkn's scenarios/kube/pod-network-filter.yml
    "pod-filter-egress-dns": {
        "id": "pod_network_filter",
        "test_duration": 60,
        "label_selector": "app=web",
        "ingress": False,
        "egress": True,
        "protocols": ["tcp", "udp"],
        "ports": [53],
        "interfaces": [],
        "force": False,
    },
    # Krkn's scenarios/kube/node-network-filter.yml
    "node-filter-egress-tcp": {
        "id": "node_network_filter",
        "test_duration": 10,
        "target": "worker-0",
        "ingress": False,
        "egress": True,
        "ports": [2309],
        "protocols": ["tcp"],
    },
    "pod-filter-ingress-interface": {
        "id": "pod_network_filter",
        "test_duration": 30,
        "target": "web",
        "ingress": True,
        "egress": False,
        "ports": [443, 80],
        "protocols": ["tcp"],
        "interfaces": ["eth0"],
    },
    # Krkn's scenarios/kube/pod-network-chaos.yml
    "pod-chaos-loss-bandwidth": {
        "id": "pod_network_chaos",
        "test_duration": 60,
        "target": "web",
        "ingress": True,
        "egress": True,
        "latency": "0s",
        "loss": 10,
        "bandwidth": "1gbit",
    },
    # Krkn's scenarios/kube/node-network-chaos.yml (bare numbers: ms and mbit)
    "node-chaos-bare-numbers": {
        "id": "node_network_chaos",
        "test_duration": 60,
        "target": "worker-0",
        "ingress": True,
        "egress": True,
        "latency": 0,
        "loss": 80,
        "bandwidth": 1,
    },
    "pod-chaos-netem-both-ways": {
        "id": "pod_network_chaos",
        "test_duration": 20,
        "target": "web",
        "ingress": True,
        "egress": True,
        "latency": "50ms",
        "jitter": "10ms",
        "corruption": 5,
    },
    "pod-chaos-egress-latency-bandwidth": {
        "id": "pod_network_chaos",
        "test_duration": 20,
        "target": "web",
        "ingress": False,
        "egress": True,
        "latency": "100ms",
        "bandwidth": "512kbit",
    },
    # Krkn's scenarios/kube/node_interface_down.yaml
    "node-interface-down": {
        "id": "node_interface_down",
        "test_duration": 60,
        "recovery_time": 30,
        "label_selector": "node-role.kubernetes.io/worker=",
        "execution": "serial",
        "interfaces": [],
    },
}


LEGACY_CASES: dict[str, tuple[str, Callable[[Any], list[NetworkModule]]]] = {
    # Krkn's scenarios/network_chaos.yaml: serial, so latency, loss, bandwidth one by one
    "legacy-node-egress-serial": ("network_chaos/network_chaos.yaml", _node_modules),
    "legacy-pod-outage": ("pod_network/pod_network_outage.yml", _pod_modules),
    "legacy-pod-egress-shaping": ("pod_network/pod_network_shaping.yml", _pod_modules),
    "legacy-pod-ingress-shaping": ("pod_network/pod_ingress_shaping.yml", _pod_modules),
    # Krkn's newer flat shaping modules (scenarios/kube/pod-*-shaping.yml)
    "flat-pod-egress-shaping": ("network_chaos_ng/pod-egress-shaping.yml", _ng_modules),
    "flat-pod-ingress-shaping": ("network_chaos_ng/pod-ingress-shaping.yml", _ng_modules),
}


def _module_fault(module: NetworkModule, index: int) -> NetnsFault:
    table = table_name(RUN_ID, index)
    if isinstance(module, FilterModule):
        return faults.filter_fault(module, table)
    if isinstance(module, ChaosModule):
        return faults.chaos_fault(module, table, DEVS)
    assert isinstance(module, InterfaceDownModule)
    return faults.interface_down_fault(module, table, DEVS)


def _fault(fields: dict[str, Any]) -> NetnsFault:
    [module] = NetworkChaosNgSpec.model_validate([fields]).root
    table = table_name(RUN_ID, 0)
    if isinstance(module, FilterModule):
        return faults.filter_fault(module, table)
    if isinstance(module, ChaosModule):
        return faults.chaos_fault(module, table, DEVS)
    assert isinstance(module, InterfaceDownModule)
    return faults.interface_down_fault(module, table, DEVS)


def render(fields: dict[str, Any]) -> str:
    fault = _fault(fields)
    pod_uid = POD_UID if fields["id"].startswith("pod_") else None
    sections = {
        "nft ruleset": fault.rules or "(none)\n",
        "tc / ip command lines": "".join(f"{c}\n" for c in fault.commands) or "(none)\n",
        "undo command lines": "".join(f"{c}\n" for c in fault.undo_commands) or "(none)\n",
        "apply script (exec in the helper)": fault.apply + "\n",
        "undo script": fault.undo + "\n",
        "state script": fault.state + "\n",
        "helper command": helper_command(pod_uid, fields["test_duration"])[2] + "\n",
        "probe script": probe(netem=isinstance(_module(fields), ChaosModule)) + "\n",
    }
    return "".join(f"### {title}\n{body}" for title, body in sections.items())


def render_legacy(name: str) -> str:
    """Each module a Krkn file (placeholders filled) is read into, and what it runs."""
    path, read = LEGACY_CASES[name]
    parts = []
    for index, module in enumerate(read(krkn_file(path))):
        fault = _module_fault(module, index)
        sections = {
            "nft ruleset": fault.rules or "(none)\n",
            "tc / ip command lines": "".join(f"{c}\n" for c in fault.commands) or "(none)\n",
            "undo script": fault.undo + "\n",
        }
        parts.append(
            f"## module {index}: {module.kind} "
            f"(ingress {module.ingress}, egress {module.egress}, {module.test_duration}s)\n"
        )
        parts += [f"### {title}\n{body}" for title, body in sections.items()]
    return "".join(parts)


def _module(fields: dict[str, Any]) -> Any:
    return NetworkChaosNgSpec.model_validate([fields]).root[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_commands_are_the_golden_ones(name: str) -> None:
    path = GOLDEN / f"{name}.txt"
    text = render(CASES[name])
    if os.environ.get("UNDERTOW_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{path} differs; regenerate if intended"


@pytest.mark.parametrize("name", sorted(LEGACY_CASES))
def test_krkns_legacy_files_run_the_golden_commands(name: str) -> None:
    path = GOLDEN / f"{name}.txt"
    text = render_legacy(name)
    if os.environ.get("UNDERTOW_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{path} differs; regenerate if intended"


def test_every_golden_file_has_a_case() -> None:
    assert {p.stem for p in GOLDEN.glob("*.txt")} == set(CASES) | set(LEGACY_CASES)


def test_a_filter_table_is_the_runs_own_and_the_undo_deletes_only_it() -> None:
    fault = _fault(CASES["pod-filter-egress-dns"])
    assert fault.table == "undertow_0f1e2d3c_0"
    assert fault.rules.startswith("table inet undertow_0f1e2d3c_0 {")
    assert "nft delete table inet undertow_0f1e2d3c_0" in fault.undo
    assert "flush" not in fault.undo and "ruleset" not in fault.undo


def test_loss_never_uses_netem_and_latency_does() -> None:
    lossy = _fault(CASES["pod-chaos-loss-bandwidth"])
    assert "netem" not in "".join(lossy.commands)
    assert "numgen random mod 100 < 10 drop" in lossy.rules
    assert _module(CASES["pod-chaos-loss-bandwidth"]).needs_netem is False
    assert _module(CASES["pod-chaos-netem-both-ways"]).needs_netem is True


def test_the_example_file_validates() -> None:
    import yaml

    example = Path(__file__).parents[3] / "examples" / "network_filter.yaml"
    spec = NetworkChaosNgSpec.model_validate(yaml.safe_load(example.read_text()))
    assert [m.kind for m in spec.root] == ["pod_network_filter", "pod_network_chaos"]
