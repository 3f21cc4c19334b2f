"""Health checks end to end: `undertow run` samples a real loopback HTTP server that the test
turns down and up while a scenario runs on the local control plane."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from judged_runs import leftovers, run_undertow, sleep_config
from loopback import Switchable, serving

INTERVAL = 0.3


def test_downtime_reported_matches_what_the_server_saw(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    with serving(Switchable()) as web:

        def outage() -> None:  # down for ~1.5 s, starting once the sampling has begun
            web.first_request.wait(60)
            threading.Timer(1.0, web.set_up, (False,)).start()
            threading.Timer(2.5, web.set_up, (True,)).start()

        threading.Thread(target=outage, daemon=True).start()
        config = sleep_config(
            tmp_path,
            namespace,
            f"health_checks:\n  interval: {INTERVAL}\n  config:\n"
            f"    - url: {web.url}/health\n      name: web\n",
            duration=4,
        )
        done = run_undertow(config, tmp_path, kubeconfig)
    code, output, report = done.code, done.output, done.report

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
    assert leftovers(api_client, namespace, tmp_path) == []


def test_exit_on_failure_fails_the_run_after_rolling_back(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    with serving(Switchable()) as web:
        web.set_up(False)
        config = sleep_config(
            tmp_path,
            namespace,
            f"health_checks:\n  interval: {INTERVAL}\n  recovery_timeout: 1\n  config:\n"
            f"    - url: {web.url}/\n      exit_on_failure: true\n",
            duration=1,
        )
        done = run_undertow(config, tmp_path, kubeconfig)
    code, output, report = done.code, done.output, done.report

    assert code == 1, output
    scenario = report["scenarios"][0]
    assert scenario["status"] == "failed"
    assert "health check" in scenario["error"]
    assert scenario["health"][0]["recovered"] is False
    assert report["exit_code"] == 1
    assert leftovers(api_client, namespace, tmp_path) == []
