"""SIGKILL a run at each dangerous moment; `undertow rollback execute` then restores all.

After the kill: zero undertow-labelled objects remain, and every patched field (the scaled
Deployment, the node's labels, unschedulable flag and taints) equals the snapshot taken
before the run.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clitools import undertow
from objects import deployment, node_state, undertow_objects

from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback import directory

DRIVER = Path(__file__).with_name("crash_driver.py")


_undertow = functools.partial(undertow, timeout=120)


def _wait_equal(read: object, expected: object, timeout: float = 20.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = read()  # type: ignore[operator]
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


@pytest.mark.parametrize("point", ["after_record", "after_change", "mid_duration", "mid_rollback"])
def test_sigkill_then_rollback_execute_restores_everything(
    point: str, api: KubeApi, kubeconfig: str, namespace: str, node_name: str, tmp_path: Path
) -> None:
    versions = tmp_path / "versions"
    mutate.create(api, deployment("target", namespace, replicas=3))
    target = ObjectRef("apps/v1", "Deployment", "target", namespace)
    node_before = node_state(api, node_name)
    proc = subprocess.Popen(
        [sys.executable, str(DRIVER), kubeconfig, str(versions), namespace, node_name, point],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY", f"driver ended early at {point}"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()

    [run] = directory.list_runs(versions)
    assert not run.live and run.pending  # the killed run left its undo behind
    listed = _undertow("rollback", "list", "--versions-dir", str(versions), "--json")
    assert listed.returncode == 0 and '"live": false' in listed.stdout

    result = _undertow(
        "rollback", "execute", "--versions-dir", str(versions), "--kubeconfig", kubeconfig, "--yes"
    )
    assert result.returncode == 0, result.stdout + result.stderr

    assert _wait_equal(lambda: undertow_objects(api, namespace), []) == []
    assert api.get(target)["spec"]["replicas"] == 3
    assert _wait_equal(lambda: node_state(api, node_name), node_before) == node_before
    [run] = directory.list_runs(versions, include_executed=True)
    assert run.pending == []
    again = _undertow(
        "rollback", "execute", "--versions-dir", str(versions), "--kubeconfig", kubeconfig, "--yes"
    )
    assert again.returncode == 0 and "rollback: nothing pending" in again.stdout
