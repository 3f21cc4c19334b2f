"""The heartbeat Lease of a real `undertow run`: renewed while the run lives, deleted when it
ends after its rollback, left to lapse (and to `rollback sweep`) when the process is killed."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from journal_copy import read_lease
from test_run import configmaps, finish, undertow

INTERVAL = 1
GRACE = 5


def _config(tmp_path: Path, namespace: str, *, duration: float, grace: float = GRACE) -> Path:
    """A Krkn config running the test plugin, its heartbeat in the test's namespace."""
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: {duration}\n  outcome: pass\n  configmap_namespace: {namespace}\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n"
        "  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        "tunings: {wait_duration: 0}\n"
        "undertow:\n"
        f"  heartbeat: {{interval: {INTERVAL}, grace: {grace}, namespace: {namespace}}}\n"
        f"  allow_protected_namespaces: [{namespace}]\n"  # undertow's, and the target's
    )
    return config


def _until(check: Callable[[], Any], what: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return found


def _renewed_after(api_client: Any, namespace: str, name: str, before: Any) -> Any:
    def later() -> Any:
        lease = read_lease(api_client, namespace, name)
        return lease if lease is not None and lease.spec.renew_time > before else None

    return _until(later, "the Lease to be renewed")


def test_a_running_run_renews_its_lease_and_deletes_it_when_it_ends(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    run_id = str(uuid.uuid4())
    name = f"undertow-run-{run_id}"
    config = _config(tmp_path, namespace, duration=6)
    proc = undertow(
        "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    try:
        first = _until(lambda: read_lease(api_client, namespace, name), "the Lease")
        assert first.spec.holder_identity.endswith(f"/{proc.pid}")
        assert first.spec.lease_duration_seconds == GRACE
        labels = first.metadata.labels
        assert labels["app.kubernetes.io/managed-by"] == "undertow"
        assert labels["undertow.io/run-id"] == run_id
        second = _renewed_after(api_client, namespace, name, first.spec.renew_time)
        assert second.metadata.uid == first.metadata.uid
    finally:
        code, output = finish(proc)
    assert code == 0, output
    assert read_lease(api_client, namespace, name) is None
    assert configmaps(api_client, namespace) == []
    assert "Lease" not in output  # no warning: created, renewed and deleted


def test_an_interrupted_run_rolls_back_then_deletes_its_lease(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    run_id = str(uuid.uuid4())
    name = f"undertow-run-{run_id}"
    config = _config(tmp_path, namespace, duration=60)
    proc = undertow(
        "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    try:
        _until(lambda: configmaps(api_client, namespace), "the scenario's ConfigMap")
        assert read_lease(api_client, namespace, name) is not None
    finally:
        proc.send_signal(signal.SIGINT)
        code, output = finish(proc)
    assert code == 130, output
    assert configmaps(api_client, namespace) == []
    assert read_lease(api_client, namespace, name) is None


def test_a_killed_run_leaves_its_lease_unrenewed_and_sweep_removes_it(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    run_id = str(uuid.uuid4())
    name = f"undertow-run-{run_id}"
    config = _config(tmp_path, namespace, duration=60)
    proc = undertow(
        "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    try:
        first = _until(lambda: read_lease(api_client, namespace, name), "the Lease")
        _renewed_after(api_client, namespace, name, first.spec.renew_time)
    finally:
        proc.send_signal(signal.SIGKILL)
        finish(proc)
    last = read_lease(api_client, namespace, name).spec.renew_time  # type: ignore[union-attr]
    time.sleep(3 * INTERVAL)  # three renewals' worth: a live run would have renewed
    assert read_lease(api_client, namespace, name).spec.renew_time == last  # type: ignore[union-attr]

    code, output = finish(
        undertow(
            "rollback", "sweep", "--older-than", "86400", kubeconfig=kubeconfig, tmp_path=tmp_path
        )
    )
    assert code == 0, output
    assert f"Lease {namespace}/{name}" in " ".join(output.split())
    assert read_lease(api_client, namespace, name) is None
    assert configmaps(api_client, namespace) == []  # the dead run's journal was executed too
