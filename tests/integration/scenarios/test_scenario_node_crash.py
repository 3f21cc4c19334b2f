"""A run killed with SIGKILL while a node (or a zone) is stopped: `undertow rollback
execute` brings it back, from the version files alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scenario_harness import cluster_state, wait_for
from scenario_nodes import ChaosNodes, chaos_nodes

from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.common.nodes import node_is_back
from undertow.scenarios.providers.local import NOT_READY_LABEL


@pytest.fixture(scope="module")
def nodes(api_client: Any, kube_api: KubeApi) -> Iterator[ChaosNodes]:
    with chaos_nodes(api_client, kube_api) as made:
        yield made


def undertow(tmp_path: Path, kubeconfig: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.Popen(
        [sys.executable, "-m", "undertow", *args, "--kubeconfig", kubeconfig],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


SCENARIOS = {
    "node_scenarios": lambda nodes: (
        "node_scenarios:\n"
        "  - actions: [node_stop_start_scenario]\n"
        f"    node_name: {nodes.names[0]}\n"
        "    duration: 300\n    timeout: 60\n    poll_interval: 1\n    cloud_type: local\n"
    ),
    "zone_outages_scenarios": lambda nodes: (
        f"zone_outage:\n  cloud_type: local\n  zone: {nodes.zone}\n  duration: 300\n"
    ),
}


@pytest.mark.parametrize("scenario_type", sorted(SCENARIOS))
def test_sigkill_mid_duration_then_rollback_execute_restores_the_nodes(
    scenario_type: str,
    tmp_path: Path,
    kubeconfig: str,
    kube_api: KubeApi,
    namespace: str,
    nodes: ChaosNodes,
) -> None:
    (tmp_path / "s.yaml").write_text(SCENARIOS[scenario_type](nodes))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"kraken:\n  chaos_scenarios:\n    - {scenario_type}: [s.yaml]\n"
        "tunings: {wait_duration: 0}\n"
    )
    targets = nodes.names[:1] if scenario_type == "node_scenarios" else nodes.names
    before = cluster_state(kube_api, [namespace])
    proc = undertow(tmp_path, kubeconfig, "run", "-c", str(config))
    try:
        wait_for(
            lambda: all(not node_is_back(kube_api.get(ObjectRef.node(n))) for n in targets),
            timeout=60,
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    for name in targets:  # nothing restored them: the process died mid-duration
        assert NOT_READY_LABEL in kube_api.get(ObjectRef.node(name))["metadata"]["labels"]
    rollback = undertow(tmp_path, kubeconfig, "rollback", "execute", "--yes")
    out, _ = rollback.communicate(timeout=120)
    assert rollback.returncode == 0, out
    wait_for(
        lambda: all(node_is_back(kube_api.get(ObjectRef.node(n))) for n in targets), timeout=60
    )
    assert cluster_state(kube_api, [namespace]) == before
