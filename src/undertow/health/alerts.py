"""Krkn's alert profile evaluated over one scenario's window.

Each rule's `expr` is a range query (`/api/v1/query_range`) from the scenario's start to the
end of its rollback, at Krkn's step (the window / 11000, at least 1 s). A rule fires when any
returned series has a non-zero value. Its description is rendered as Krkn renders it:
`{{$labels.<name>}}` from the firing series' labels, `{{$value}}` with its first firing value.
A query that fails (Prometheus unreachable, bad PromQL) cannot clear a rule: for an `error` or
`critical` rule that fails the scenario, as an unreachable Cerberus does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from undertow.config.performance import FAILING_SEVERITIES, AlertRule, PrometheusSettings
from undertow.health.prometheus import Series, query_range

_LABEL = re.compile(r"{{\s*\$labels\.([\w-]+)\s*}}")
_VALUE = re.compile(r"{{\s*\$value\s*}}")


@dataclass(frozen=True)
class AlertResult:
    """One rule over one window."""

    expr: str
    severity: str
    description: str
    """Rendered when it fired; as written otherwise."""
    fired: bool
    error: str = ""
    """Why the query could not be answered; empty when it was."""

    @property
    def fails_run(self) -> bool:
        return self.severity in FAILING_SEVERITIES and (self.fired or bool(self.error))


def evaluate_alerts(settings: PrometheusSettings, *, start: float, end: float) -> list[AlertResult]:
    """Every rule of the profile over [start, end] (wall-clock seconds)."""
    return [_evaluate(settings, rule, start=start, end=end) for rule in settings.rules]


def _evaluate(
    settings: PrometheusSettings, rule: AlertRule, *, start: float, end: float
) -> AlertResult:
    series, error = query_range(settings, rule.expr, start=start, end=end)
    if error:
        return AlertResult(rule.expr, rule.severity, rule.description, False, error)
    firing = next((s for s in series if s.firing_value is not None), None)
    if firing is None:
        return AlertResult(rule.expr, rule.severity, rule.description, False)
    return AlertResult(rule.expr, rule.severity, render(rule.description, firing), True)


def render(description: str, series: Series) -> str:
    """Krkn's templates filled in; a label the series lacks is left as written."""
    value = series.firing_value
    text = _LABEL.sub(lambda m: series.labels.get(m.group(1), m.group(0)), description)
    return _VALUE.sub(lambda m: _number(value) if value is not None else m.group(0), text)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"
