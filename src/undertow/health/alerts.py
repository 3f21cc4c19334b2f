"""Krkn's alert profile evaluated over one scenario's window.

Each rule's `expr` is a range query (`/api/v1/query_range`) from the scenario's start to the
end of its rollback, at Krkn's step (the window / 11000, at least 1 s). A rule fires when any
returned series has a non-zero value. Its description is rendered as Krkn renders it:
`{{$labels.<name>}}` from the firing series' labels, `{{$value}}` with its first firing value.
A query that fails (Prometheus unreachable, bad PromQL) cannot clear a rule: for an `error` or
`critical` rule that fails the scenario, as an unreachable Cerberus does. The SLOs of a
`resiliency_file` are evaluated the same way but never fail a scenario: they are scored only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from undertow.config.performance import FAILING_SEVERITIES, PrometheusSettings
from undertow.health.prometheus import Series, query_range

_LABEL = re.compile(r"{{\s*\$labels\.([\w-]+)\s*}}")
_VALUE = re.compile(r"{{\s*\$value\s*}}")


@dataclass(frozen=True)
class RuleResult:
    """One PromQL rule (an alert or an SLO) over one window."""

    expr: str
    severity: str
    description: str
    """Rendered when it fired; as written otherwise."""
    fired: bool
    error: str = ""
    """Why the query could not be answered; empty when it was."""
    weight: float | None = None
    """The rule's own points in the score, when it sets them."""

    @property
    def passed(self) -> bool:
        """Kept when it did not fire and its query was answered."""
        return not (self.fired or self.error)


@dataclass(frozen=True)
class AlertResult(RuleResult):
    """An alert profile's rule: error/critical ones that fire fail the run."""

    @property
    def fails_run(self) -> bool:
        return self.severity in FAILING_SEVERITIES and (self.fired or bool(self.error))


@dataclass(frozen=True)
class SloResult(RuleResult):
    """One SLO of the `resiliency_file`: it only lowers the score."""


def evaluate_alerts(settings: PrometheusSettings, *, start: float, end: float) -> list[AlertResult]:
    """Every rule of the profile over [start, end] (wall-clock seconds)."""
    results = []
    for rule in settings.rules:
        fired, description, error = _fire(settings, rule.expr, rule.description, start, end)
        results.append(
            AlertResult(rule.expr, rule.severity, description, fired, error, rule.weight)
        )
    return results


def evaluate_slos(settings: PrometheusSettings, *, start: float, end: float) -> list[SloResult]:
    """Every SLO of the `resiliency_file` over [start, end], as alerts are evaluated."""
    results = []
    for slo in settings.slos or ():
        fired, description, error = _fire(settings, slo.expr, slo.description, start, end)
        results.append(SloResult(slo.expr, slo.severity, description, fired, error, slo.weight))
    return results


def _fire(
    settings: PrometheusSettings, expr: str, description: str, start: float, end: float
) -> tuple[bool, str, str]:
    """Whether `expr` fired over the window, its description rendered, the query's error."""
    series, error = query_range(settings, expr, start=start, end=end)
    if error:
        return False, description, error
    firing = next((s for s in series if s.firing_value is not None), None)
    if firing is None:
        return False, description, ""
    return True, render(description, firing), ""


def render(description: str, series: Series) -> str:
    """Krkn's templates filled in; a label the series lacks is left as written."""
    value = series.firing_value
    text = _LABEL.sub(lambda m: series.labels.get(m.group(1), m.group(0)), description)
    return _VALUE.sub(lambda m: _number(value) if value is not None else m.group(0), text)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"
