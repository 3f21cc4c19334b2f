"""`--exit-codes krkn` on the local control plane: a run failed by an `exit_on_failure` health
check exits 3, one where an `error` alert also fired exits 2 (Krkn's order), and undertow's
own scheme gives 1 for both; the scenario's changes are rolled back either way."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from judged_runs import leftovers, sleep_config
from loopback import Switchable, serving
from prometheus_server import prometheus


@pytest.fixture(scope="module")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with (
        serving(Switchable(b"undertow_test_up 1\n")) as exporter,
        prometheus(exporter.url, tmp_path_factory.mktemp("prometheus")) as url,
    ):
        yield url


def run(config: Path, tmp_path: Path, kubeconfig: str, *flags: str) -> tuple[int, str]:
    args = ["run", "-c", str(config), "--kubeconfig", kubeconfig, *flags]
    done = subprocess.run(
        [sys.executable, "-m", "undertow", *args],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def health_down(namespace: str) -> str:
    return (
        "health_checks:\n  interval: 0.3\n  recovery_timeout: 1\n  kubernetes_checks:\n"
        f"    - deployment: {namespace}/absent\n      exit_on_failure: true\n"
    )


def test_a_failed_health_check_exits_3_with_krkns_codes(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = sleep_config(tmp_path, namespace, health_down(namespace))
    code, output = run(config, tmp_path, kubeconfig, "--exit-codes", "krkn")
    assert code == 3, output
    assert "health check deployment" in output
    assert leftovers(api_client, namespace, tmp_path) == []
    code, output = run(config, tmp_path, kubeconfig)
    assert code == 1, output


def test_an_error_alert_exits_2_with_krkns_codes_over_a_failed_health_check(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, prometheus_url: str
) -> None:
    (tmp_path / "alerts.yaml").write_text(
        "- expr: vector(1) > 0\n  description: always firing\n  severity: error\n"
    )
    extra = health_down(namespace) + (
        "performance_monitoring:\n"
        f"  prometheus_url: {prometheus_url}\n"
        "  enable_alerts: True\n"
        "  alert_profile: alerts.yaml\n"
    )
    config = sleep_config(tmp_path, namespace, extra)
    code, output = run(config, tmp_path, kubeconfig, "--exit-codes", "krkn")
    assert code == 2, output
    assert "error alert fired: always firing" in output
    assert leftovers(api_client, namespace, tmp_path) == []
