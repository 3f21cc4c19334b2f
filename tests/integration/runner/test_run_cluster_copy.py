"""The journal's cluster copy of a real `undertow run`: written before each change, enough to
restore a SIGKILLed run from another machine (`rollback execute --from-cluster`), never used
on a live run, and a copy that cannot be written means the change is not made."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from journal_copy import journal_copy, journal_secret, read_lease
from test_run import configmaps, finish, undertow
from test_run_heartbeat import _config as heartbeat_config
from test_run_heartbeat import _until

GRACE = 3


def _config(tmp_path: Path, namespace: str, *, duration: float) -> Path:
    return heartbeat_config(tmp_path, namespace, duration=duration, grace=GRACE)


def _from_cluster(
    elsewhere: Path, kubeconfig: str, namespace: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """`undertow rollback execute --from-cluster` with its own state dir and working dir."""
    elsewhere.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(elsewhere / "state"),
        "XDG_CONFIG_HOME": str(elsewhere / "config"),
    }
    command = ["rollback", "execute", "--from-cluster", "--namespace", namespace, "--yes"]
    return subprocess.run(
        [sys.executable, "-m", "undertow", *command, *args, "--kubeconfig", kubeconfig],
        check=False,
        env=env,
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _lapsed(api_client: Any, namespace: str, run_id: str) -> bool:
    lease = read_lease(api_client, namespace, f"undertow-run-{run_id}")
    if lease is None:
        return True
    expires = lease.spec.renew_time.timestamp() + lease.spec.lease_duration_seconds
    return time.time() > expires


def test_a_sigkilled_run_is_restored_from_the_cluster_copy_on_another_machine(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    run_id = str(uuid.uuid4())
    config = _config(tmp_path, namespace, duration=60)
    proc = undertow(
        "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    try:
        created = _until(lambda: configmaps(api_client, namespace), "the scenario's ConfigMap")
        copy = _until(lambda: journal_copy(api_client, namespace, run_id), "the cluster copy")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    (key,) = copy.data
    record = json.loads(copy.data[key])
    assert record["action"] == "delete_created"
    assert record["run_id"] == run_id
    assert copy.metadata.labels["undertow.io/run-id"] == run_id
    assert "app.kubernetes.io/managed-by" not in copy.metadata.labels
    from kubernetes import client

    target = client.CoreV1Api(api_client).read_namespaced_config_map(created[0], namespace)
    assert target.metadata.annotations["undertow.io/journal-entry"] == (
        f"{namespace}/undertow-journal-{run_id}/{key}"
    )
    shutil.rmtree(tmp_path / "state")  # the runner's machine and its journal are gone

    _until(lambda: _lapsed(api_client, namespace, run_id), "the Lease to lapse")
    done = _from_cluster(tmp_path / "elsewhere", kubeconfig, namespace, "--run", run_id[:8])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 restored" in done.stdout
    assert configmaps(api_client, namespace) == []
    after = journal_copy(api_client, namespace, run_id)
    assert sorted(after.data) == [f"{key}.executed"]

    again = _from_cluster(tmp_path / "elsewhere", kubeconfig, namespace, "--run", run_id)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing pending" in again.stdout


def test_a_live_run_is_never_restored_from_the_cluster_copy(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    run_id = str(uuid.uuid4())
    config = _config(tmp_path, namespace, duration=60)
    proc = undertow(
        "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    try:
        _until(lambda: journal_copy(api_client, namespace, run_id), "the cluster copy")
        done = _from_cluster(tmp_path / "elsewhere", kubeconfig, namespace)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"skipped live run {run_id}" in done.stdout
        assert len(configmaps(api_client, namespace)) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
    code, output = finish(proc)
    assert code == 143, output
    assert configmaps(api_client, namespace) == []
    assert journal_copy(api_client, namespace, run_id) is None  # nothing pending: the copy is gone


def test_a_cluster_copy_that_cannot_be_written_means_no_change(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    from kubernetes import client

    run_id = str(uuid.uuid4())
    blocked = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name=f"undertow-journal-{run_id}"), immutable=True
    )
    client.CoreV1Api(api_client).create_namespaced_config_map(namespace, blocked)
    config = _config(tmp_path, namespace, duration=0)
    code, output = finish(
        undertow(
            "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
        )
    )
    assert code == 1, output
    assert "cluster copy" in output and "the change was not made" in output
    assert configmaps(api_client, namespace) == []
    assert not list((tmp_path / "state").rglob("*.py"))


def test_snapshots_go_to_the_secret_and_patched_objects_are_restored_from_the_copy(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    for name in ("victim-deleted", "victim-labelled"):
        body = {"metadata": {"name": name}, "data": {"password": "hunter2"}}
        core.create_namespaced_config_map(namespace, body)
    run_id = str(uuid.uuid4())
    config = _config(tmp_path, namespace, duration=60)
    (tmp_path / "s.yaml").write_text(
        "sleep:\n  duration: 60\n  outcome: pass\n"
        f"  configmap_namespace: {namespace}\n  create_configmap: false\n"
        "  label_configmap: victim-labelled\n  delete_configmap: victim-deleted\n"
    )
    proc = undertow(
        "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    try:
        _until(lambda: journal_secret(api_client, namespace, run_id), "the copy's Secret")
        copy = _until(lambda: journal_copy(api_client, namespace, run_id), "the copy's ConfigMap")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert [json.loads(v)["action"] for v in copy.data.values()] == ["restore_fields"]
    assert "hunter2" not in json.dumps(copy.data)
    labelled = core.read_namespaced_config_map("victim-labelled", namespace)
    assert labelled.metadata.labels == {"undertow-test": "chaos"}
    assert labelled.metadata.annotations["undertow.io/journal-entry"].startswith(
        f"{namespace}/undertow-journal-{run_id}/"
    )
    shutil.rmtree(tmp_path / "state")

    _until(lambda: _lapsed(api_client, namespace, run_id), "the Lease to lapse")
    done = _from_cluster(tmp_path / "elsewhere", kubeconfig, namespace, "--run", run_id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 restored" in done.stdout
    restored = core.read_namespaced_config_map("victim-deleted", namespace)
    assert restored.data == {"password": "hunter2"}
    labelled = core.read_namespaced_config_map("victim-labelled", namespace)
    assert not labelled.metadata.labels and not labelled.metadata.annotations
    assert all(k.endswith(".executed") for k in journal_secret(api_client, namespace, run_id).data)


def test_journal_copy_off_writes_no_copy(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    run_id = str(uuid.uuid4())
    config = _config(tmp_path, namespace, duration=4)
    config.write_text(config.read_text().replace("namespace: ", "journal_copy: off, namespace: "))
    proc = undertow(
        "run", "-c", str(config), "--run-id", run_id, kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    try:
        _until(lambda: configmaps(api_client, namespace), "the scenario's ConfigMap")
        assert journal_copy(api_client, namespace, run_id) is None
        assert journal_secret(api_client, namespace, run_id) is None
    finally:
        code, output = finish(proc)
    assert code == 0, output


def test_a_copy_emptied_by_resolved_entries_takes_the_next_scenarios_entries(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    """The first scenario's entry is resolved (the server then drops the copy's empty data
    map); the second scenario's entry must still be written, and its change made."""
    config = _config(tmp_path, namespace, duration=0)
    config.write_text(config.read_text().replace("[s.yaml]", "[s.yaml, s.yaml]"))
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 0, output
    assert "cluster copy" not in output
    assert output.count("passed") >= 2 and configmaps(api_client, namespace) == []
