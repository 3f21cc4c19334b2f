"""Removing the real node leaves the host exactly as it was, and a second up/down cycle too.

Runs after test_real_node.py (the other real-node tests share the node; this one removes it and
puts it back at the end, so later tests still have it).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from host_state import HostState

from undertow import cluster

CYCLE_CLUSTER = "undertow-host-cycle"


def _undertow(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "undertow", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_host_is_left_as_it_was_after_the_node_goes(real_node: Any, local_cluster: Any) -> None:
    name = local_cluster.info.name
    real_node.require_baseline()
    try:
        assert cluster.detach_real_node(name)
        assert HostState.read().differences(real_node.baseline) == {}

        out = _undertow(
            "cluster", "up", "--name", CYCLE_CLUSTER, "--nodes", "1", "--real-nodes", "1"
        )
        assert "1 real node" in out
        status = _undertow("cluster", "status", "--name", CYCLE_CLUSTER)
        for component in ("containerd", "kubelet", "kube-proxy"):
            assert f"\n{component} " in status and "healthy" in status
        assert HostState.read().differences(real_node.baseline) != {}
        _undertow("cluster", "down", "--name", CYCLE_CLUSTER)
        assert HostState.read().differences(real_node.baseline) == {}
    finally:
        cluster.down(CYCLE_CLUSTER)
        cluster.up(cluster.ClusterSpec(name=name, real_nodes=1))
