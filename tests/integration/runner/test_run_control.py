"""Run control end to end: `undertow run` with Krkn's `publish_kraken_status`, driven by
`undertow ctl` as a separate process, on the local control plane (the `sleep_scenarios` test
plugin makes the changes). A run started paused injects nothing until RUN; PAUSE sent during
a scenario lets it finish and holds before the next one until RUN; STOP rolls back
and exits as SIGTERM does (the reports are written), and a request without the run's token
changes nothing. Krkn's `generate_pdf_report` adds report.pdf (Chromium, installed by
scripts/install-node-packages chromium)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from test_run import configmaps, finish, run_reporting, version_files


def control_config(
    tmp_path: Path, namespace: str, *, duration: float, state: str, pdf: bool = False
) -> Path:
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: {duration}\n  outcome: pass\n  configmap_namespace: {namespace}\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n"
        "  publish_kraken_status: true\n"
        f"  signal_state: {state}\n"
        "  port: 0\n"
        f"  generate_pdf_report: {str(pdf).lower()}\n"
        "  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        "tunings: {wait_duration: 0}\n"
    )
    return config


def ctl(tmp_path: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "undertow", "ctl", *args],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def wait_until(condition: Any, proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        assert time.monotonic() < deadline, what
        assert proc.poll() is None, finish(proc)
        time.sleep(0.2)


def control_file(tmp_path: Path) -> Path | None:
    return next((tmp_path / "state" / "undertow" / "runs").glob("*/control.json"), None)


def test_a_run_started_paused_injects_nothing_until_resumed(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = control_config(tmp_path, namespace, duration=0, state="PAUSE", pdf=True)
    report = tmp_path / "rep"
    proc = run_reporting(config, report, kubeconfig=kubeconfig, tmp_path=tmp_path)
    wait_until(lambda: control_file(tmp_path) is not None, proc, "no control file")
    wait_until(lambda: "PAUSE" in ctl(tmp_path, "status")[1], proc, "not paused")
    code, output = ctl(tmp_path, "status")
    assert code == 0 and output.startswith("run ") and output.rstrip().endswith(": PAUSE"), output
    assert configmaps(api_client, namespace) == []  # held before the first scenario
    assert proc.poll() is None

    code, output = ctl(tmp_path, "resume")
    assert (code, output.rstrip().split(": ")[-1]) == (0, "RUN"), output
    code, output = finish(proc)
    assert code == 0, output
    assert configmaps(api_client, namespace) == [] and version_files(tmp_path) == []
    assert [s["status"] for s in json.loads((report / "report.json").read_text())["scenarios"]] == [
        "passed"
    ]
    assert control_file(tmp_path) is None  # removed when the run ended
    assert (report / "report.pdf").read_bytes().startswith(b"%PDF")  # generate_pdf_report


def test_stop_mid_scenario_restores_the_cluster_and_exits_like_sigterm(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = control_config(tmp_path, namespace, duration=300, state="RUN")
    report = tmp_path / "rep"
    proc = run_reporting(config, report, kubeconfig=kubeconfig, tmp_path=tmp_path)
    wait_until(lambda: len(configmaps(api_client, namespace)) == 1, proc, "nothing injected")
    wait_until(lambda: control_file(tmp_path) is not None, proc, "no control file")
    address = json.loads(control_file(tmp_path).read_text())  # type: ignore[union-attr]

    # Without the run's token: refused (exit 2), and the run goes on untouched.
    code, output = ctl(tmp_path, "stop", "--url", address["url"], "--token", "x" * 32)
    assert code == 2 and "refused the token" in output, output
    code, output = ctl(tmp_path, "stop", "--url", address["url"])
    assert code == 2, output
    assert ctl(tmp_path, "status")[1].rstrip().split(": ")[1].startswith("RUN")
    assert len(configmaps(api_client, namespace)) == 1 and proc.poll() is None

    code, output = ctl(tmp_path, "stop", "--run", address["run_id"][:8])
    assert code == 0 and "STOP" in output, output
    code, output = finish(proc)
    assert code == 143, output  # as SIGTERM: 128 + 15, after rolling back
    assert configmaps(api_client, namespace) == []
    assert version_files(tmp_path) == []  # the scenario's end step undid its change
    assert "interrupted by SIGTERM" in output
    written = json.loads((report / "report.json").read_text())
    assert written["exit_code"] == 143
    assert [s["status"] for s in written["scenarios"]] == ["interrupted"]


def test_pause_mid_run_holds_before_the_next_scenario_until_resumed(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    from kubernetes import client

    for name, duration in (("first", 10), ("second", 0)):  # room for `ctl pause` to land
        (tmp_path / f"{name}.yaml").write_text(
            f"sleep:\n  duration: {duration}\n  outcome: pass\n  configmap_namespace: {namespace}\n"
        )
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n  publish_kraken_status: true\n  port: 0\n"
        "  chaos_scenarios:\n    - sleep_scenarios: [first.yaml, second.yaml]\n"
        "tunings: {wait_duration: 0}\n"
    )
    report = tmp_path / "rep"
    proc = run_reporting(config, report, kubeconfig=kubeconfig, tmp_path=tmp_path)

    def injected() -> list[str]:
        items = client.CoreV1Api(api_client).list_namespaced_config_map(namespace).items
        return [str(i.data["scenario"]) for i in items if i.metadata.name.startswith("sleep-")]

    wait_until(lambda: control_file(tmp_path) is not None, proc, "no control file")
    wait_until(lambda: injected() != [], proc, "the first scenario injected nothing")
    code, output = ctl(tmp_path, "pause")
    assert code == 0 and output.rstrip().endswith(": PAUSE"), output
    wait_until(lambda: injected() == [], proc, "the first scenario never ended")
    code, output = ctl(tmp_path, "status")
    assert output.rstrip().endswith(f"PAUSE, running sleep_scenarios: {tmp_path}/first.yaml"), (
        output
    )
    assert injected() == [] and proc.poll() is None  # held: the second has not started

    assert ctl(tmp_path, "resume")[0] == 0
    code, output = finish(proc)
    assert code == 0, output
    scenarios = json.loads((report / "report.json").read_text())["scenarios"]
    assert [(Path(s["file"]).name, s["status"]) for s in scenarios] == [
        ("first.yaml", "passed"),
        ("second.yaml", "passed"),
    ]
