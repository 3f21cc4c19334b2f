"""What the user is told, and the exit code, when a run does not simply pass: a conflict left
pending, a dry run whose plan would fail, a SIGKILLed run restored by a run id prefix, and a
run with rollback off that is interrupted. End to end, `undertow` as a real process, on the
local control plane (the `sleep_scenarios` test plugin makes the changes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_run import configmaps, finish, setup, undertow, version_files


def core(api_client: Any) -> Any:
    from kubernetes import client

    return client.CoreV1Api(api_client)


def label_of(api_client: Any, namespace: str, name: str) -> str | None:
    labels = core(api_client).read_namespaced_config_map(name, namespace).metadata.labels or {}
    value: str | None = labels.get("undertow-test")
    return value


def wait_for(condition: Any, proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        assert proc.poll() is None, finish(proc)
        time.sleep(0.2)


def sleep_file(
    tmp_path: Path, namespace: str, *, outcome: str, duration: float, label: str
) -> None:
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: {duration}\n  outcome: {outcome}\n"
        f"  configmap_namespace: {namespace}\n  label_configmap: {label}\n"
    )


def rollback(*args: str, kubeconfig: str, tmp_path: Path) -> tuple[int, str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run(
        [sys.executable, "-m", "undertow", "rollback", *args, "--kubeconfig", kubeconfig],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_a_conflict_left_pending_exits_3_and_says_how_to_settle_it(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    core(api_client).create_namespaced_config_map(
        namespace, {"metadata": {"name": "target"}, "data": {"a": "b"}}
    )
    config = setup(tmp_path, namespace, outcome="fail")
    sleep_file(tmp_path, namespace, outcome="fail", duration=60, label="target")
    proc = undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    wait_for(lambda: label_of(api_client, namespace, "target") == "chaos", proc, "no label")
    core(api_client).patch_namespaced_config_map(
        "target", namespace, {"metadata": {"labels": {"undertow-test": "someone-else"}}}
    )
    proc.send_signal(signal.SIGINT)  # ends the hold at once; the scenario then fails as told
    code, output = finish(proc)

    assert code == 3, output  # the conflict wins over the interruption
    assert label_of(api_client, namespace, "target") == "someone-else"  # left alone
    assert configmaps(api_client, namespace) == []  # what did not conflict was restored
    lines = [line.strip() for line in output.splitlines()]
    assert (
        f"not restored: ConfigMap {namespace}/target: /metadata/labels/undertow-test changed "
        "by someone else since; left alone" in lines
    ), output
    assert (
        '/metadata/labels/undertow-test: undertow set "chaos", found "someone-else" '
        "(before undertow: absent)" in lines
    )
    assert f"inspect: kubectl get configmap target -n {namespace} -o yaml" in lines
    (then,) = [line for line in lines if line.startswith("then: undertow rollback execute --file")]
    pending = then.split("--file ", 1)[1].split(" ", 1)[0]
    assert Path(pending).exists() and version_files(tmp_path).count("sleep") == 1

    # What the message says to do works: put the original back, then close the file.
    core(api_client).patch_namespaced_config_map(
        "target", namespace, {"metadata": {"labels": {"undertow-test": None}}}
    )
    code, output = rollback("execute", "--file", pending, kubeconfig=kubeconfig, tmp_path=tmp_path)
    assert code == 0, output
    assert "1 already restored" in output
    assert not Path(pending).exists()


def test_a_dry_run_whose_plan_would_fail_exits_1(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    (tmp_path / "h.yaml").write_text(
        f"service_name: nope\nservice_namespace: {namespace}\nservice_target_port: 80\n"
        "plan:\n  - resource: /\n    steps:\n      GET: [{status: 503}]\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text("scenarios:\n  - service_hijacking_scenarios: [h.yaml]\n")
    code, output = finish(
        undertow("run", "-c", str(config), "--dry-run", kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 1, output
    assert f"would fail: Service {namespace}/nope does not exist" in output
    assert (
        "dry run: nothing was changed; 1 scenario file(s) would fail as planned: "
        f"service_hijacking_scenarios: {tmp_path}/h.yaml" in " ".join(output.split())
    )
    assert not (tmp_path / "state").exists()


def test_rollback_execute_run_prefix_restores_a_sigkilled_run(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    core(api_client).create_namespaced_config_map(namespace, {"metadata": {"name": "target"}})
    config = setup(tmp_path, namespace, outcome="pass")
    sleep_file(tmp_path, namespace, outcome="pass", duration=300, label="target")
    proc = undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    wait_for(lambda: label_of(api_client, namespace, "target") == "chaos", proc, "no label")
    proc.kill()
    proc.communicate(timeout=60)
    assert len(configmaps(api_client, namespace)) == 1
    assert version_files(tmp_path) == ["sleep", "sleep"]

    listed = subprocess.run(
        [sys.executable, "-m", "undertow", "rollback", "list", "--json"],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        check=True,
    )
    (run,) = json.loads(listed.stdout)
    assert run["live"] is False
    prefix = run["run_id"][:8]

    code, output = rollback(
        "execute", "--run", prefix, "--yes", kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    assert code == 0, output
    assert "rollback: 2 restored" in output
    assert configmaps(api_client, namespace) == []
    assert label_of(api_client, namespace, "target") is None
    assert version_files(tmp_path) == ["sleep|executed", "sleep|executed"]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("end_step", ["reached", "not reached"])
def test_no_auto_rollback_interrupted_keeps_pending_only_what_the_scenario_left(
    tmp_path: Path,
    kubeconfig: str,
    namespace: str,
    api_client: Any,
    signum: int,
    code: int,
    end_step: str,
) -> None:
    """The signal cuts the scenario's hold short. Its own end step (outcome pass: revert what
    it changed) still runs; rollback off only means nothing else is undone: what a scenario
    leaves (outcome fail: no clean-up) stays pending, listed, for `rollback execute`."""
    core(api_client).create_namespaced_config_map(namespace, {"metadata": {"name": "target"}})
    outcome = "pass" if end_step == "reached" else "fail"
    config = setup(tmp_path, namespace, outcome=outcome, auto=False)
    sleep_file(tmp_path, namespace, outcome=outcome, duration=300, label="target")
    proc = undertow(
        "run", "-c", str(config), "--no-auto-rollback", kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    wait_for(lambda: label_of(api_client, namespace, "target") == "chaos", proc, "no label")
    proc.send_signal(signum)
    returncode, output = finish(proc)
    assert returncode == code, output

    if end_step == "reached":
        assert configmaps(api_client, namespace) == []
        assert label_of(api_client, namespace, "target") is None
        assert version_files(tmp_path) == []
        assert "2 undone by the scenario" in output
        name = signal.Signals(signum).name
        assert f"interrupted by {name}; 2 change(s) undone, nothing left pending" in output
        return
    assert len(configmaps(api_client, namespace)) == 1
    assert label_of(api_client, namespace, "target") == "chaos"
    assert version_files(tmp_path) == ["sleep", "sleep"]
    flat = " ".join(output.split())
    assert "2 change(s) kept pending (rollback.auto is off)" in flat
    assert "0 change(s) undone, 2 left pending (`undertow rollback list --run " in flat
    run_id = flat.split("undertow rollback execute --run ", 1)[1].split("`", 1)[0]
    code, output = rollback(
        "execute", "--run", run_id, "--yes", kubeconfig=kubeconfig, tmp_path=tmp_path
    )
    assert code == 0, output
    assert configmaps(api_client, namespace) == []
    assert label_of(api_client, namespace, "target") is None


def test_with_rollback_off_a_dead_runs_pending_changes_stop_the_next_run(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="fail", auto=False)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 1, output
    (pending,) = (tmp_path / "state" / "undertow" / "rollback").rglob("*.py")
    first_run = pending.parent.name.split("-", 1)[1]

    config = setup(tmp_path, namespace, outcome="pass", auto=False)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 3, output  # left pending, and nothing new injected on top of it
    flat = " ".join(output.split())
    assert "nothing was injected" in flat, output
    assert f"`undertow rollback execute --run {first_run}`" in flat, output
    assert "to undo: delete_created ConfigMap" in flat, output
    assert pending.exists()
    assert len(configmaps(api_client, namespace)) == 1
