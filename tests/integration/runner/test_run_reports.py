"""The reports are written however a run ends (failed, interrupted), and the run keeps its
report.json in its state directory, where `undertow report show RUN_ID` finds it. End to end,
`undertow` as a real process on the local control plane (`sleep_scenarios` test plugin)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from test_run import configmaps, finish, run_reporting, setup


def report_show(tmp_path: Path, target: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "undertow", "report", "show", target],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_a_failed_run_writes_its_reports_and_report_show_prints_them(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="fail")
    report = tmp_path / "rep"
    code, output = finish(run_reporting(config, report, kubeconfig=kubeconfig, tmp_path=tmp_path))
    assert code == 1, output
    written = json.loads((report / "report.json").read_text())
    assert written["exit_code"] == 1
    assert [s["status"] for s in written["scenarios"]] == ["failed"]
    assert 'failures="1"' in (report / "junit.xml").read_text()
    assert (report / "report.html").is_file()
    kept = tmp_path / "state" / "undertow" / "runs" / written["run_id"] / "report.json"
    assert json.loads(kept.read_text())["run_id"] == written["run_id"]

    code, shown = report_show(tmp_path, written["run_id"][:8])
    assert code == 0, shown
    assert f"run {written['run_id']}: failed (exit code 1" in shown
    assert "sleep_scenarios" in shown and "failed" in shown
    assert report_show(tmp_path, str(report))[1] == shown.replace(
        str(kept), str(report / "report.json")
    )


def test_an_interrupted_run_writes_its_reports(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="pass", duration=300)
    report = tmp_path / "rep"
    proc = run_reporting(config, report, kubeconfig=kubeconfig, tmp_path=tmp_path)
    deadline = time.monotonic() + 90
    while not configmaps(api_client, namespace):
        assert time.monotonic() < deadline, "the scenario never created its ConfigMap"
        assert proc.poll() is None, finish(proc)
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    code, output = finish(proc)
    assert code == 130, output
    assert configmaps(api_client, namespace) == []
    written = json.loads((report / "report.json").read_text())
    assert written["exit_code"] == 130
    assert [s["status"] for s in written["scenarios"]] == ["interrupted"]
    assert 'failures="1"' in (report / "junit.xml").read_text()  # an interrupted case
