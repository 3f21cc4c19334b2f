"""Krkn's alert profile end to end against a real Prometheus: the test's exporter reports a
gauge at 1 while the sleep scenario's ConfigMap exists, Prometheus scrapes it every second,
and undertow evaluates the profile over the scenario's window after its rollback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from judged_runs import leftovers, run_undertow, sleep_config
from loopback import Switchable, serving
from prometheus_server import SCRAPE_JOB, prometheus


@pytest.fixture(scope="module")
def exporter() -> Iterator[Switchable]:
    with serving(Switchable(b"undertow_test_chaos 0\n")) as server:
        yield server


@pytest.fixture(scope="module")
def prometheus_url(exporter: Switchable, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prometheus(exporter.url, tmp_path_factory.mktemp("prometheus")) as url:
        yield url


@pytest.fixture
def chaos_gauge(exporter: Switchable, api_client: Any, namespace: str) -> Iterator[None]:
    """The exporter's gauge follows the sleep scenario's ConfigMap in `namespace`."""
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(0.2):
            items = core.list_namespaced_config_map(namespace).items
            up = any(item.metadata.name.startswith("sleep-") for item in items)
            exporter.body = f"undertow_test_chaos {int(up)}\n".encode()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        exporter.body = b"undertow_test_chaos 0\n"


def _config(tmp_path: Path, namespace: str, url: str, profile: str, metrics: str = "") -> Path:
    (tmp_path / "alerts.yaml").write_text(profile)
    extra = (
        "performance_monitoring:\n"
        f"  prometheus_url: {url}\n"
        "  prometheus_bearer_token: not-checked-by-this-prometheus\n"
        "  enable_alerts: True\n"
        "  alert_profile: alerts.yaml\n"
    )
    if metrics:
        (tmp_path / "metrics.yaml").write_text(metrics)
        extra += "  enable_metrics: True\n  metrics_profile: metrics.yaml\n"
    return sleep_config(tmp_path, namespace, extra, duration=3)


@pytest.mark.usefixtures("chaos_gauge")
def test_an_error_alert_that_fires_fails_the_run_after_rollback(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, prometheus_url: str
) -> None:
    profile = (
        "- expr: undertow_test_chaos > 0\n"
        "  description: chaos gauge at {{$value}} on {{$labels.job}}\n"
        "  severity: error\n"
    )
    config = _config(tmp_path, namespace, prometheus_url, profile)
    done = run_undertow(config, tmp_path, kubeconfig)
    assert done.code == 1, done.output
    scenario = done.report["scenarios"][0]
    assert scenario["status"] == "failed"
    assert f"error alert fired: chaos gauge at 1 on {SCRAPE_JOB}" in scenario["error"]
    assert scenario["alerts"][0]["fired"] is True
    assert scenario["resiliency"]["lost"] == ["alert undertow_test_chaos > 0"]
    assert f"chaos gauge at 1 on {SCRAPE_JOB}" in done.output
    html = (tmp_path / "rep" / "report.html").read_text()
    assert f"fired: chaos gauge at 1 on {SCRAPE_JOB}" in html
    assert leftovers(api_client, namespace, tmp_path) == []


@pytest.mark.usefixtures("chaos_gauge")
def test_a_warning_is_reported_an_alert_that_never_fires_passes_and_metrics_are_kept(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, prometheus_url: str
) -> None:
    profile = (
        "- expr: undertow_test_chaos > 0\n"
        "  description: chaos seen ({{$value}})\n"
        "  severity: warning\n"
        "- expr: undertow_test_chaos > 5\n"
        "  description: never this high\n"
        "  severity: critical\n"
    )
    metrics = (
        "metrics:\n"
        "- query: undertow_test_chaos\n  metricName: chaos\n"
        "- query: max_over_time(undertow_test_chaos[.elapsed])\n  metricName: chaos-max\n"
        "  instant: true\n"
    )
    config = _config(tmp_path, namespace, prometheus_url, profile, metrics)
    done = run_undertow(config, tmp_path, kubeconfig)
    assert done.code == 0, done.output
    warning, critical = done.report["scenarios"][0]["alerts"]
    assert (warning["fired"], warning["description"]) == (True, "chaos seen (1)")
    assert (critical["fired"], critical["error"]) == (False, "")
    assert "alert warning" in done.output
    assert "never this high" not in done.output
    ranged, instant = done.report["scenarios"][0]["prometheus_metrics"]
    (series,) = ranged["series"]
    assert (ranged["metricName"], series["labels"]["job"]) == ("chaos", SCRAPE_JOB)
    assert {value for _, value in series["values"]} == {0.0, 1.0}  # raised during the scenario
    assert instant["query"] == "max_over_time(undertow_test_chaos[1m])"
    assert [s["values"][0][1] for s in instant["series"]] == [1.0]
    assert leftovers(api_client, namespace, tmp_path) == []


@pytest.mark.usefixtures("chaos_gauge")
def test_an_slo_that_fires_lowers_the_score_by_its_weight_and_the_run_passes(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, prometheus_url: str
) -> None:
    (tmp_path / "slo.yaml").write_text(
        "- expr: undertow_test_chaos > 0\n"
        "  description: chaos gauge at {{$value}}\n"
        "  severity: critical\n"
        "  weight: 5\n"
        "- expr: undertow_test_chaos > 5\n"
        "  description: never this high\n"
        "  severity: warning\n"
    )
    extra = (
        f"performance_monitoring:\n  prometheus_url: {prometheus_url}\n"
        "resiliency:\n  resiliency_file: slo.yaml\n"
    )
    done = run_undertow(sleep_config(tmp_path, namespace, extra, duration=3), tmp_path, kubeconfig)
    assert done.code == 0, done.output
    scenario = done.report["scenarios"][0]
    fired, quiet = scenario["slos"]
    assert (fired["fired"], fired["weight"], fired["description"]) == (True, 5, "chaos gauge at 1")
    assert (quiet["fired"], quiet["error"], quiet["passed"]) == (False, "", True)
    # recovery 3 kept, the weighted SLO 5 lost, the warning SLO 1 kept: 4 / 9 -> 44
    assert scenario["resiliency"] == {
        "score": 44,
        "points_kept": 4,
        "total_points": 9,
        "lost": ["slo undertow_test_chaos > 0"],
    }
    assert done.report["resiliency"]["score"] == 44
    assert "slo critical" in done.output and "resiliency score: 44/100" in done.output
    assert leftovers(api_client, namespace, tmp_path) == []
