"""Faults made from a helper pod on the node, without a cluster: the kubelet, crash and
container-signal helper pods match their golden files, what the kubelet helper reports is
read back, a node on this machine's kernel is never crashed, and a crash needs
allow_irreversible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from undertow.config.helper_pods import HelperPods
from undertow.errors import ScenarioError
from undertow.scenarios.containers.from_node import container_id, signal_pod
from undertow.scenarios.node_actions import NodeScenariosSpec
from undertow.scenarios.node_actions.kubelet import (
    GO_TIMEOUT,
    SCRIPT,
    kubelet_command,
    kubelet_pod,
    parse_how,
)
from undertow.scenarios.node_actions.on_node import crash_pod, refusals, shared_kernel

GOLDEN = Path(__file__).parents[2] / "data" / "node_actions"
HELPERS = HelperPods(images={"busybox": "undertow.local/busybox:local"})
BOOT_ID = "6f1c2d8e-2b7a-4c55-9a43-0d6f2f4b9e11"


def test_the_kubelet_script_matches_the_golden_file() -> None:
    command = kubelet_command("stop", "worker-0", 19.2)
    assert command[:3] == ["sh", "-c", (GOLDEN / "kubelet_script.sh").read_text().rstrip("\n")]
    assert command[2] == SCRIPT.strip()
    assert command[3:] == ["kubelet", "stop", "worker-0", "20", str(GO_TIMEOUT)]


def test_the_kubelet_helper_pod_matches_the_golden_file() -> None:
    """Privileged and hostPID (it signals the node's kubelet process), pinned to the node,
    tolerating every taint (a NotReady node's included), expiring after the go timeout plus
    the stop plus a margin."""
    pod = kubelet_pod("undertow-kubelet-0a1b2c3d", "worker-0", "stop", 20, HELPERS)
    assert pod == json.loads((GOLDEN / "kubelet_pod.json").read_text())
    assert pod["spec"]["hostPID"] is True
    assert pod["spec"]["activeDeadlineSeconds"] == GO_TIMEOUT + 20 + 30


def test_the_crash_helper_pod_matches_the_golden_file() -> None:
    pod = crash_pod("undertow-crash-0a1b2c3d", "worker-0", HELPERS, 120)
    assert pod == json.loads((GOLDEN / "crash_pod.json").read_text())
    assert pod["spec"]["containers"][0]["command"][-1] == "echo c > /proc/sysrq-trigger"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("systemd\n", ("systemd", None)),
        ("signal 10471\n", ("signal", 10471)),
        (
            "none: 2 kubelet processes, none for w-0\n",
            ("none: 2 kubelet processes, none for w-0", None),
        ),
    ],
)
def test_what_the_kubelet_helper_found_is_read_back(
    text: str, parsed: tuple[str, int | None]
) -> None:
    assert parse_how(text) == parsed


def test_a_node_on_this_machines_kernel_is_never_crashed() -> None:
    real = {"metadata": {"name": "real-node-0", "labels": {"undertow.io/real-node": "true"}}}
    same_boot = {"metadata": {"name": "n-1"}, "status": {"nodeInfo": {"bootID": BOOT_ID}}}
    other = {"metadata": {"name": "n-2"}, "status": {"nodeInfo": {"bootID": "another"}}}
    assert "local cluster's real node" in shared_kernel(real, BOOT_ID)
    assert f"this machine's boot id ({BOOT_ID})" in shared_kernel(same_boot, BOOT_ID)
    assert shared_kernel(other, BOOT_ID) == ""
    assert shared_kernel({"metadata": {"name": "n-3"}}, "") == ""


def test_a_crash_needs_allow_irreversible() -> None:
    entry = {"actions": ["node_crash"], "node_name": "w-0"}
    with pytest.raises(ValidationError) as caught:
        NodeScenariosSpec.model_validate({"node_scenarios": [entry]})
    [error] = caught.value.errors()
    assert error["loc"] == ("node_scenarios", 0, "allow_irreversible")
    assert "set allow_irreversible: true" in error["msg"]
    spec = NodeScenariosSpec.model_validate(
        {"node_scenarios": [{**entry, "allow_irreversible": True}]}
    )
    assert spec.node_scenarios[0].actions == ["node_crash_scenario"]


def test_helper_actions_are_refused_on_kwok_nodes_and_crashes_on_this_kernel() -> None:
    kwok = {"metadata": {"name": "k-0", "annotations": {"kwok.x-k8s.io/node": "fake"}}}
    real = {"metadata": {"name": "real-node-0", "labels": {"undertow.io/real-node": "true"}}}
    cloud = {"metadata": {"name": "w-0"}, "status": {"nodeInfo": {"bootID": "another"}}}
    assert refusals(["stop_start_kubelet_scenario"], [kwok, real, cloud], BOOT_ID) == [
        "node k-0 is a kwok node: it has no kubelet or kernel"
    ]
    crash = refusals(["node_crash_scenario"], [real, cloud], BOOT_ID)
    assert len(crash) == 1 and "local cluster's real node" in crash[0]
    assert refusals(["node_cordon_scenario"], [kwok], BOOT_ID) == []


def test_the_container_signal_helper_pod_matches_the_golden_file() -> None:
    """For an image without `kill`: privileged and hostPID on the container's node, it finds
    the container's pid 1 by its cgroup and NSpid in /proc, signals it and ends."""
    pod = signal_pod("undertow-signal-0a1b2c3d", "worker-0", "4f2e9c0d1b3a", 9, HELPERS)
    assert pod == json.loads((GOLDEN / "signal_pod.json").read_text())
    assert pod["spec"]["hostPID"] is True
    assert pod["spec"]["containers"][0]["command"][-3:] == ["signal", "4f2e9c0d1b3a", "9"]


def test_the_container_id_comes_from_the_pod_status() -> None:
    pod = {
        "metadata": {"namespace": "shop", "name": "web-0"},
        "status": {
            "containerStatuses": [
                {"name": "side", "containerID": "containerd://aaa"},
                {"name": "web", "containerID": "containerd://4f2e9c0d1b3a"},
            ]
        },
    }
    assert container_id(pod, "web") == "4f2e9c0d1b3a"
    with pytest.raises(ScenarioError, match="no id yet"):
        container_id(pod, "missing")
