"""Krkn's health_checks, cerberus and resiliency sections, read into Settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from undertow.config import Settings, load_settings
from undertow.errors import ConfigError

KRKN = "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"


def _load(tmp_path: Path, extra: str) -> Settings:
    (tmp_path / "s.yaml").write_text("sleep:\n  duration: 1\n")
    config = tmp_path / "config.yaml"
    config.write_text(KRKN + extra)
    return load_settings(config, env={}, cwd=tmp_path)


def test_krkn_health_checks_with_krkn_defaults(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "health_checks:\n  interval:\n  config:\n"
        "    - url: http://127.0.0.1:8080/health\n      bearer_token:\n      auth: u,p\n"
        "      exit_on_failure: true\n",
    )
    health = settings.health_checks
    assert health is not None
    assert health.interval == 2
    (check,) = health.config
    assert (check.auth, check.bearer_token, check.exit_on_failure, check.verify_url) == (
        "u,p",
        None,
        True,
        True,
    )
    assert "health_checks" not in settings.ignored


def test_krkns_template_entries_take_defaults_or_are_skipped(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "health_checks:\n  interval:\n  config:\n"
        "    - url:\n      bearer_token:\n      auth:\n      exit_on_failure:\n"
        "    - url: https://shop.example.com/\n      auth: ('admin','secret')\n"
        "      exit_on_failure:\n      verify_url:\n",
    )
    assert settings.health_checks is not None
    (check,) = settings.health_checks.config
    assert (check.exit_on_failure, check.verify_url) == (False, True)


def test_basic_auth_as_krkns_docs_write_it() -> None:
    from undertow.health.http import _basic_auth

    assert _basic_auth("user,pass") == ("user", "pass")
    assert _basic_auth('("admin","secret")') == ("admin", "secret")


def test_kubernetes_checks_are_named_by_what_they_check(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "health_checks:\n  kubernetes_checks:\n    - deployment: shop/web\n"
        "    - pods_ready: {namespace: shop, label_selector: app=db}\n",
    )
    assert settings.health_checks is not None
    labels = [check.label for check in settings.health_checks.kubernetes_checks]
    assert labels == ["deployment shop/web", "pods shop/app=db"]


def test_cerberus_spellings(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "cerberus:\n  cerberus_enabled: true\n  cerberus_url: http://127.0.0.1:9090\n"
        "  check_applicaton_routes: true\n",
    )
    assert settings.cerberus is not None
    assert settings.cerberus.check_application_routes is True


def test_resiliency_file_slos_read_with_their_weights(tmp_path: Path) -> None:
    (tmp_path / "slo.yaml").write_text(
        "- expr: up == 0\n  description: down\n  severity: critical\n"
        "- expr: rate(x[1m]) > 1\n  description: busy\n  severity: warning\n  weight: 5\n"
    )
    settings = _load(
        tmp_path,
        "resiliency:\n  resiliency_run_mode: detailed\n  resiliency_file: slo.yaml\n"
        "performance_monitoring:\n  prometheus_url: http://127.0.0.1:9090\n",
    )
    assert settings.prometheus is not None
    assert settings.prometheus.slos is not None
    assert [(s.expr, s.severity, s.weight) for s in settings.prometheus.slos] == [
        ("up == 0", "critical", None),
        ("rate(x[1m]) > 1", "warning", 5),
    ]
    assert settings.prometheus.rules == ()
    assert not any(i.startswith("resiliency") for i in settings.ignored)


def test_resiliency_file_not_read_when_scoring_is_disabled(tmp_path: Path) -> None:
    settings = _load(
        tmp_path, "resiliency:\n  resiliency_run_mode: disabled\n  resiliency_file: slo.yaml\n"
    )
    assert settings.prometheus is None


def test_native_resiliency_file_needs_a_prometheus_url(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("sleep:\n  duration: 1\n")
    config = tmp_path / "config.yaml"
    config.write_text(
        "scenarios:\n  - sleep_scenarios: [s.yaml]\nresiliency:\n  resiliency_file: slo.yaml\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={}, cwd=tmp_path)
    assert "config.yaml:4 at resiliency.resiliency_file: resiliency_file needs" in str(caught.value)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("cerberus:\n  cerberus_enabled: true\n", "at cerberus: "),
        ("health_checks:\n  config:\n    - url: not a url\n", "at health_checks.config[0].url"),
        ("health_checks:\n  config:\n    - url: http://x\n      auth: nocomma\n", "auth"),
        ("health_checks:\n  interval: -1\n", "at health_checks.interval"),
        ("resiliency:\n  resiliency_run_mode: sometimes\n", "at resiliency.resiliency_run_mode"),
        (
            "health_checks:\n  kubernetes_checks:\n    - deployment: web\n",
            "at health_checks.kubernetes_checks[0].deployment",
        ),
        (
            "health_checks:\n  kubernetes_checks:\n"
            "    - {deployment: a/b, pods_ready: {namespace: a}}\n",
            "exactly one of",
        ),
        ("health_checks:\n  kubernetes_checks:\n    - name: x\n", "exactly one of"),
    ],
)
def test_bad_judging_sections_name_the_field(tmp_path: Path, extra: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, extra)
    assert expected in str(caught.value)
    assert "config.yaml" in str(caught.value)


def test_krkn_alert_profile_read_with_the_config(tmp_path: Path) -> None:
    (tmp_path / "alerts.yaml").write_text(
        "- expr: up == 0\n  description: '{{$labels.job}} down'\n  severity: critical\n"
    )
    settings = _load(
        tmp_path,
        "performance_monitoring:\n  prometheus_url: http://127.0.0.1:9090/\n"
        "  prometheus_bearer_token: t0k\n  enable_alerts: True\n  alert_profile: alerts.yaml\n"
        "  enable_metrics: False\n  check_critical_alerts: True\n",
    )
    alerts = settings.prometheus
    assert alerts is not None
    assert (alerts.prometheus_url, alerts.bearer_token) == ("http://127.0.0.1:9090", "t0k")
    assert [(r.expr, r.severity) for r in alerts.rules] == [("up == 0", "critical")]
    assert "performance_monitoring.check_critical_alerts" in settings.ignored
    assert alerts.metrics == ()


def test_alerts_disabled_do_not_read_the_profile(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        "performance_monitoring:\n  prometheus_url:\n  enable_alerts: False\n"
        "  alert_profile: config/alerts\n",
    )
    assert settings.prometheus is None


def test_krkn_metrics_profile_read_with_the_config(tmp_path: Path) -> None:
    (tmp_path / "metrics.yaml").write_text(
        "metrics:\n- query: sum(up) by (job)\n  metricName: up-by-job\n"
        "- query: max_over_time(up[.elapsed:])\n  metricName: max-up\n  instant: true\n"
    )
    settings = _load(
        tmp_path,
        "performance_monitoring:\n  prometheus_url: http://127.0.0.1:9090\n"
        "  enable_metrics: True\n  metrics_profile: metrics.yaml\n",
    )
    assert settings.prometheus is not None
    assert [(m.metric_name, m.instant) for m in settings.prometheus.metrics] == [
        ("up-by-job", False),
        ("max-up", True),
    ]
    assert settings.prometheus.rules == ()


def test_a_bad_metrics_profile_names_its_field(tmp_path: Path) -> None:
    (tmp_path / "metrics.yaml").write_text("metrics:\n- query: up\n")
    with pytest.raises(ConfigError) as caught:
        _load(
            tmp_path,
            "performance_monitoring:\n  prometheus_url: http://127.0.0.1:9090\n"
            "  enable_metrics: True\n  metrics_profile: metrics.yaml\n",
        )
    (issue,) = caught.value.issues
    assert (Path(issue.file).name, issue.field) == ("metrics.yaml", "metrics[0].metricName")


def test_an_alert_profile_written_as_krkn_ships_them_loads(tmp_path: Path) -> None:
    (tmp_path / "alerts.yaml").write_text(
        "# etcd\n\n"
        "- expr: rate(etcd_server_leader_changes_seen_total[2m]) > 0\n"
        "  description: etcd leader changes observed\n"
        "  severity: warning  \n\n"
        '- expr: up{job=~"crio|kubelet"} == 0\n'
        '  description: "{{$labels.node}}/{{$labels.job}} down"\n'
        "  severity: critical\n"
    )
    settings = _load(
        tmp_path,
        "performance_monitoring:\n  prometheus_url: http://127.0.0.1:9090\n"
        "  enable_alerts: True\n  alert_profile: alerts.yaml\n",
    )
    assert settings.prometheus is not None
    rules = settings.prometheus.rules
    assert [(r.severity, r.fails_run) for r in rules] == [("warning", False), ("critical", True)]
    assert rules[1].description == "{{$labels.node}}/{{$labels.job}} down"
