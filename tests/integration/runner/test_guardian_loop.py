"""`undertow guardian run` as local processes against the control plane: a SIGKILLed run is
rolled back from its cluster copy once its Lease lapses, a live run is never touched, and two
guardians never undo the same entry twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from journal_copy import journal_copy, read_lease
from test_run import configmaps, finish, undertow
from test_run_cluster_copy import _config
from test_run_heartbeat import _until


def _events(api_client: Any, namespace: str, run_id: str) -> list[Any]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_event(namespace).items
    return [e for e in items if (e.metadata.labels or {}).get("undertow.io/run-id") == run_id]


@pytest.fixture
def guardians(tmp_path: Path, kubeconfig: str, namespace: str) -> Iterator[list[Any]]:
    """Two guardian processes watching the test's namespace."""
    procs = []
    for index in range(2):
        env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / f"guardian{index}")}
        command = ["guardian", "run", "--namespace", namespace, "--interval", "1", "--claim", "30"]
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "undertow", *command, "--kubeconfig", kubeconfig],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


def test_guardians_roll_back_a_killed_run_once_and_leave_a_live_run_alone(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, guardians: list[Any]
) -> None:
    live_id, dead_id = str(uuid.uuid4()), str(uuid.uuid4())
    (tmp_path / "live").mkdir()
    (tmp_path / "dead").mkdir()
    live = undertow(
        "run", "-c", str(_config(tmp_path / "live", namespace, duration=120)),
        "--run-id", live_id, kubeconfig=kubeconfig, tmp_path=tmp_path / "live",
    )  # fmt: skip
    dead = undertow(
        "run", "-c", str(_config(tmp_path / "dead", namespace, duration=120)),
        "--run-id", dead_id, kubeconfig=kubeconfig, tmp_path=tmp_path / "dead",
    )  # fmt: skip
    try:
        _until(lambda: journal_copy(api_client, namespace, live_id), "the live run's copy")
        _until(lambda: journal_copy(api_client, namespace, dead_id), "the killed run's copy")
        dead.send_signal(signal.SIGKILL)
        dead.communicate(timeout=30)
        (key,) = journal_copy(api_client, namespace, dead_id).data

        done = _until(
            lambda: [e for e in _events(api_client, namespace, dead_id)],
            "the guardian's Event for the killed run",
            timeout=120,
        )
        assert [e.reason for e in done] == ["RunRolledBack"]
        assert "1 restored" in done[0].message
        copy = journal_copy(api_client, namespace, dead_id)
        assert sorted(copy.data) == [f"{key}.executed"]
        assert copy.metadata.annotations["undertow.io/rolled-back-by"].startswith("guardian:")
        assert read_lease(api_client, namespace, f"undertow-run-{dead_id}") is None
        assert len(configmaps(api_client, namespace)) == 1  # the live run's only

        still = read_lease(api_client, namespace, f"undertow-run-{live_id}")
        assert still.spec.holder_identity.endswith(f"/{live.pid}")
        assert _events(api_client, namespace, live_id) == []
    finally:
        if dead.poll() is None:
            dead.kill()
        live.send_signal(signal.SIGTERM)
        code, output = finish(live)
    assert code == 143, output
    assert configmaps(api_client, namespace) == []
    for proc in guardians:
        proc.send_signal(signal.SIGTERM)
    logs = [proc.communicate(timeout=60)[0] for proc in guardians]
    assert all(proc.returncode == 0 for proc in guardians), logs
    restored = [line for log in logs for line in log.splitlines() if f"{dead_id}: restored" in line]
    assert len(restored) == 1, logs
    assert live_id not in "".join(logs)


def test_a_run_that_requires_a_guardian_refuses_to_start_without_one(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = _config(tmp_path, namespace, duration=0)
    args = ["run", "-c", str(config), "--guardian", "required"]
    code, output = finish(undertow(*args, kubeconfig=kubeconfig, tmp_path=tmp_path))
    assert code == 2, output
    assert f"no guardian is ready in namespace {namespace}" in output
    assert configmaps(api_client, namespace) == []
    code, output = finish(undertow(*args[:-2], kubeconfig=kubeconfig, tmp_path=tmp_path))
    assert code == 0, output
    assert "no guardian is ready" in output  # optional (the default): a warning only
