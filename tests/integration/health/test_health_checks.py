"""Health checks end to end: `undertow run` samples a real loopback HTTP server that the test
turns down and up while a scenario runs on the local control plane."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from loopback import Switchable, serving

INTERVAL = 0.3


def _config(tmp_path: Path, namespace: str, extra: str, *, duration: float) -> Path:
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: {duration}\n  outcome: pass\n  configmap_namespace: {namespace}\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        "tunings: {wait_duration: 0}\n" + extra
    )
    return config


def _run(config: Path, tmp_path: Path, kubeconfig: str) -> tuple[int, str, dict[str, Any]]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
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
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    return done.returncode, done.stdout + done.stderr, report


def _configmaps(api_client: Any, namespace: str) -> list[str]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_config_map(namespace).items
    return [i.metadata.name for i in items if i.metadata.name.startswith("sleep-")]


def _pending(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "state").rglob("*.py") if p.is_file()]


def test_downtime_reported_matches_what_the_server_saw(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    with serving(Switchable()) as web:

        def outage() -> None:  # down for ~1.5 s, starting once the sampling has begun
            web.first_request.wait(60)
            threading.Timer(1.0, web.set_up, (False,)).start()
            threading.Timer(2.5, web.set_up, (True,)).start()

        threading.Thread(target=outage, daemon=True).start()
        config = _config(
            tmp_path,
            namespace,
            f"health_checks:\n  interval: {INTERVAL}\n  config:\n"
            f"    - url: {web.url}/health\n      name: web\n",
            duration=4,
        )
        code, output, report = _run(config, tmp_path, kubeconfig)

    assert code == 0, output
    (target,) = report["scenarios"][0]["health"]
    (went_down, down), (came_up, up) = web.changes
    assert (down, up) == (False, True)
    bound = web.max_gap()  # each edge is seen at most one sampling interval late
    assert abs(target["downtime"] - (came_up - went_down)) <= bound
    assert abs(target["first_failure"] - went_down) <= bound
    assert target["first_failure_detail"] == "503"
    assert target["recovered"] is True
    assert target["samples"] == len(web.requests)
    assert "health  sleep_scenarios" in output and "web:" in output
    assert "resiliency score: 50/100" in output  # recovery kept (3), web lost (3)
    assert _configmaps(api_client, namespace) == []


def test_exit_on_failure_fails_the_run_after_rolling_back(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    with serving(Switchable()) as web:
        web.set_up(False)
        config = _config(
            tmp_path,
            namespace,
            f"health_checks:\n  interval: {INTERVAL}\n  recovery_timeout: 1\n  config:\n"
            f"    - url: {web.url}/\n      exit_on_failure: true\n",
            duration=1,
        )
        code, output, report = _run(config, tmp_path, kubeconfig)

    assert code == 1, output
    scenario = report["scenarios"][0]
    assert scenario["status"] == "failed"
    assert "health check" in scenario["error"]
    assert scenario["health"][0]["recovered"] is False
    assert report["exit_code"] == 1
    assert _configmaps(api_client, namespace) == []
    assert _pending(tmp_path) == []
