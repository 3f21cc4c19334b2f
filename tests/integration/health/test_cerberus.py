"""Cerberus's go/no-go end to end: a real loopback server answers True or False after the
scenario; a no-go fails the run only after the scenario's changes were rolled back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from loopback import Switchable, serving


def _run(tmp_path: Path, namespace: str, kubeconfig: str, cerberus: str) -> tuple[int, str]:
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: 1\n  outcome: pass\n  configmap_namespace: {namespace}\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        "tunings: {wait_duration: 0}\n" + cerberus
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "undertow",
            "run",
            "-c",
            str(config),
            "--kubeconfig",
            kubeconfig,
            "--report-dir",
            str(tmp_path / "rep"),
        ],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def _report(tmp_path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((tmp_path / "rep" / "report.json").read_text())
    return report


def _leftovers(api_client: Any, namespace: str, tmp_path: Path) -> list[str]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_config_map(namespace).items
    cms = [i.metadata.name for i in items if i.metadata.name.startswith("sleep-")]
    return cms + [p.name for p in (tmp_path / "state").rglob("*.py") if p.is_file()]


@pytest.mark.parametrize(("answer", "code"), [(b"True", 0), (b"False", 1)])
def test_go_passes_and_no_go_fails_after_rollback(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, answer: bytes, code: int
) -> None:
    with serving(Switchable(answer)) as cerberus:
        exit_code, output = _run(
            tmp_path,
            namespace,
            kubeconfig,
            f"cerberus:\n  cerberus_enabled: true\n  cerberus_url: {cerberus.url}\n",
        )
    assert exit_code == code, output
    scenario = _report(tmp_path)["scenarios"][0]
    assert scenario["cerberus"]["go"] is (code == 0)
    assert [path for _, path in cerberus.requests] == ["/"]
    if code:
        assert scenario["status"] == "failed"
        assert "cerberus no-go" in scenario["error"]
        assert scenario["resiliency"]["lost"] == ["cerberus"]
    assert _leftovers(api_client, namespace, tmp_path) == []


def test_routes_cerberus_saw_down_are_a_no_go(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    history = {"history": {"failures": [{"component": "route", "name": "shop"}]}}
    with serving(Switchable(b"True", {"/history": json.dumps(history).encode()})) as cerberus:
        exit_code, output = _run(
            tmp_path,
            namespace,
            kubeconfig,
            f"cerberus:\n  cerberus_enabled: true\n  cerberus_url: {cerberus.url}\n"
            "  check_applicaton_routes: true\n",  # Krkn's sample config's spelling
        )
    assert exit_code == 1, output
    assert _report(tmp_path)["scenarios"][0]["cerberus"]["failed_routes"] == ["shop"]
    assert cerberus.requests[1][1].startswith("/history?loopback=")
    assert _leftovers(api_client, namespace, tmp_path) == []
