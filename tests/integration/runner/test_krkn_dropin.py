"""Krkn's command line and findings end to end on the local control plane, as real processes:
`python -m undertow.run_kraken` with run_kraken.py's flags, and `undertow run --strict`.

The scenario deletes a Service that nothing recreates: Krkn reads `wait_time` but never
checks it and passes, so undertow passes too and reports a finding; strict fails on it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

RUN_ID = "krkn-dropin-test"


def setup(tmp_path: Path, namespace: str, api_client: Any) -> Path:
    from kubernetes import client

    client.CoreV1Api(api_client).create_namespaced_service(
        namespace, {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}
    )
    (tmp_path / "sd.yaml").write_text(
        f"scenarios:\n- {{namespace: '^{namespace}$', sleep: 0, wait_time: 2}}\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n  chaos_scenarios:\n    - service_disruption_scenarios: [sd.yaml]\n"
        "tunings: {wait_duration: 0}\n"
    )
    return config


def run(args: list[str], kubeconfig: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "UNDERTOW_KUBECONFIG": kubeconfig,
        "UNDERTOW_REPORT_DIR": str(tmp_path / "reports"),
    }
    return subprocess.run(
        [sys.executable, "-m", *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_run_kraken_command_line_passes_with_a_finding(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, api_client)
    done = run(
        [
            "undertow.run_kraken",
            f"--config={config}",
            "-o",
            str(tmp_path / "report.out"),
            "--junit-testcase",
            "[sig-apps] namespace disruption",
            "--junit-testcase-path",
            str(tmp_path),
            "--junit-testcase-version",
            "1.31",
            "-r",
            RUN_ID,
        ],
        kubeconfig,
        tmp_path,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"finding  service_disruption_scenarios: {tmp_path / 'sd.yaml'}" in output
    assert f"{namespace} not back within wait_time 2s" in output
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert [f["scenario_type"] for f in report["findings"]] == ["service_disruption_scenarios"]
    assert report["passed"] == 1 and report["run_id"] == RUN_ID
    junit = (tmp_path / "reports" / "junit.xml").read_text()
    assert f"finding: {namespace} not back within wait_time 2s" in junit
    [krkn_junit] = tmp_path.glob("junit_krkn_*.xml")
    suite = ET.fromstring(krkn_junit.read_text())
    assert (suite.get("name"), suite.get("failures")) == ("chaos-krkn", "0")
    assert suite.find("property").attrib == {"name": "TestVersion", "value": "1.31"}  # type: ignore[union-attr]
    assert "service_disruption_scenarios" in (tmp_path / "report.out").read_text()
    contexts = [p.name for p in (tmp_path / "state" / "undertow" / "rollback").iterdir()]
    assert all(name.endswith(f"-{RUN_ID}") for name in contexts), contexts


def test_strict_fails_on_the_finding(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, api_client)
    done = run(["undertow", "run", "-c", str(config), "--strict"], kubeconfig, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "findings failed their scenarios (strict)" in output
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["failed"] == 1 and len(report["findings"]) == 1
    assert "finding: " in report["scenarios"][0]["summary"]
