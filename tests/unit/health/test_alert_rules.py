"""Alert profile results from Prometheus answers, without a server: when a rule fires, how
its description is rendered (Krkn's templates), and how it counts in the score."""

from __future__ import annotations

import math

from undertow.health import RuleCheck, scenario_score
from undertow.health.alerts import AlertResult, render
from undertow.health.prometheus import Series


def _series(labels: dict[str, str], values: tuple[float, ...]) -> Series:
    return Series(labels, tuple((1000.0 + i, v) for i, v in enumerate(values)))


def test_a_series_fires_on_its_first_non_zero_value() -> None:
    assert _series({}, (0.0, 0.0, 2.5, 1.0)).firing_value == 2.5
    assert _series({}, (0.0, math.nan)).firing_value is None
    assert _series({}, ()).firing_value is None


def test_description_templates_are_filled_as_krkn_does() -> None:
    series = _series({"pod": "etcd-0", "job": "etcd"}, (0.0, 12.0))
    text = "latency on {{$labels.pod}} ({{ $labels.job }}) is {{$value}}; {{$labels.zone}}"
    assert render(text, series) == "latency on etcd-0 (etcd) is 12; {{$labels.zone}}"
    assert render("at {{$value}}", _series({}, (0.25,))) == "at 0.25"


def test_only_error_and_critical_alerts_fail_the_run() -> None:
    def fired(severity: str, error: str = "") -> AlertResult:
        return AlertResult("x > 0", severity, "x", fired=not error, error=error)

    assert [fired(s).fails_run for s in ("debug", "info", "warning", "error", "critical")] == [
        False,
        False,
        False,
        True,
        True,
    ]
    assert fired("critical", error="Prometheus query failed (503)").fails_run
    assert not fired("warning", error="Prometheus query failed (503)").fails_run


def test_alerts_in_the_score_critical_3_warning_1_info_not_counted() -> None:
    # recovery 3 kept, error alert 3 lost, warning alert 1 kept, info not scored: 4 / 7 -> 57
    score = scenario_score(
        recovered=True,
        alerts=[
            RuleCheck("a > 0", "error", False),
            RuleCheck("b > 0", "warning", True),
            RuleCheck("c", "info", False),
        ],
    )
    assert (score.kept, score.total, score.value) == (4, 7, 57)
    assert score.lost == ("alert a > 0",)
