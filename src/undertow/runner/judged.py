"""A scenario's judgement (health targets, Cerberus, alerts, resiliency score): its score, and the
event data the reports read."""

from __future__ import annotations

from typing import Any

from undertow.health import Availability, Judging, RuleCheck, Score, Verdict, scenario_score
from undertow.health.alerts import AlertResult, SloResult
from undertow.health.metrics import MetricResult
from undertow.runner.outcome import ScenarioRun
from undertow.scenarios.base import ScenarioResult


def judged_score(
    judging: Judging, result: ScenarioResult | None, *, recovered: bool, verdict: Verdict
) -> Score | None:
    """The scenario's resiliency score; `recovered` is its own verdict (no error raised),
    before `strict` findings and the judgement. None when scoring is disabled. With a
    `resiliency_file`, its SLOs are scored in place of the alert profile's rules, as Krkn
    does."""
    if not judging.resiliency.enabled:
        return None
    slo_file = judging.prometheus is not None and judging.prometheus.slos is not None
    scored_alerts = () if slo_file else verdict.alerts
    return scenario_score(
        recovered=recovered and result is not None and result.passed,
        health=[(target.target, target.passed) for target in verdict.health],
        cerberus_go=verdict.cerberus.go if verdict.cerberus is not None else None,
        findings=result.findings if result is not None else (),
        alerts=[_rule(alert) for alert in scored_alerts],
        slos=[_rule(slo) for slo in verdict.slos],
    )


def _rule(result: AlertResult | SloResult) -> RuleCheck:
    return RuleCheck(result.expr, result.severity, result.passed, result.weight)


def judged_data(run: ScenarioRun) -> dict[str, Any]:
    """The keys `scenario.finished` carries for the reports; empty when nothing judged."""
    data: dict[str, Any] = {}
    if run.health:
        data["health"] = [availability_data(target) for target in run.health]
    if run.cerberus is not None:
        data["cerberus"] = {
            "go": run.cerberus.go,
            "reason": run.cerberus.reason,
            "failed_routes": list(run.cerberus.failed_routes),
        }
    if run.alerts:
        data["alerts"] = [alert_data(alert) for alert in run.alerts]
    if run.slos:
        data["slos"] = [slo_data(slo) for slo in run.slos]
    if run.prometheus_metrics:
        data["prometheus_metrics"] = [metric_data(m) for m in run.prometheus_metrics]
    if run.score is not None:
        data["resiliency"] = score_data(run.score)
    return data


def availability_data(target: Availability) -> dict[str, Any]:
    return {
        "target": target.target,
        "samples": target.samples,
        "failed_samples": target.failed_samples,
        "downtime": round(target.downtime, 3),
        "first_failure": target.first_failure,
        "first_failure_detail": target.first_failure_detail,
        "time_to_recover": target.time_to_recover,
        "recovered": target.recovered,
        "exit_on_failure": target.exit_on_failure,
        "outages": [
            {"start": o.start, "end": o.end, "recovered": o.recovered} for o in target.outages
        ],
        "series": [[at, 1 if healthy else 0] for at, healthy in target.points],
    }


def alert_data(alert: AlertResult) -> dict[str, Any]:
    return {
        "expr": alert.expr,
        "severity": alert.severity,
        "description": alert.description,
        "fired": alert.fired,
        "error": alert.error,
        "fails_run": alert.fails_run,
        "weight": _number(alert.weight),
    }


def slo_data(slo: SloResult) -> dict[str, Any]:
    return {
        "expr": slo.expr,
        "severity": slo.severity,
        "weight": _number(slo.weight),
        "description": slo.description,
        "fired": slo.fired,
        "error": slo.error,
        "passed": slo.passed,
    }


def metric_data(metric: MetricResult) -> dict[str, Any]:
    return {
        "metricName": metric.metric_name,
        "query": metric.query,
        "error": metric.error,
        "series": [
            {"labels": dict(s.labels), "values": [list(point) for point in s.points]}
            for s in metric.series
        ],
    }


def score_data(score: Score) -> dict[str, Any]:
    return {
        "score": score.value,
        "points_kept": _number(score.kept),
        "total_points": _number(score.total),
        "lost": list(score.lost),
    }


def _number(value: float | None) -> float | int | None:
    """Points as written: whole numbers without a trailing `.0`."""
    return int(value) if value is not None and float(value).is_integer() else value
