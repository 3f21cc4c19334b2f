"""Krkn's alert profile evaluated over one scenario's window with Prometheus' HTTP API.

Each rule's `expr` is a range query (`/api/v1/query_range`) from the scenario's start to the
end of its rollback, at Krkn's step (the window / 11000, at least 1 s). A rule fires when any
returned series has a non-zero value. Its description is rendered as Krkn renders it:
`{{$labels.<name>}}` from the firing series' labels, `{{$value}}` with its first firing value.
A query that fails (Prometheus unreachable, bad PromQL) cannot clear a rule: for an `error` or
`critical` rule that fails the scenario, as an unreachable Cerberus does.
"""

from __future__ import annotations

import json
import math
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from undertow.config.performance import FAILING_SEVERITIES, AlertRule, AlertSettings
from undertow.health.http import get

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


@dataclass(frozen=True)
class Series:
    labels: Mapping[str, str]
    values: tuple[float, ...]

    @property
    def firing_value(self) -> float | None:
        return next((v for v in self.values if v != 0 and not math.isnan(v)), None)


def evaluate_alerts(settings: AlertSettings, *, start: float, end: float) -> list[AlertResult]:
    """Every rule of the profile over [start, end] (wall-clock seconds)."""
    return [_evaluate(settings, rule, start=start, end=end) for rule in settings.rules]


def _evaluate(settings: AlertSettings, rule: AlertRule, *, start: float, end: float) -> AlertResult:
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


def query_range(
    settings: AlertSettings, expr: str, *, start: float, end: float
) -> tuple[list[Series], str]:
    """(series, "") or ([], why the query failed)."""
    step = max(math.ceil((end - start) / 11000), 1)
    params = urllib.parse.urlencode(
        {"query": expr, "start": f"{start:.3f}", "end": f"{max(end, start):.3f}", "step": step}
    )
    headers = {"Authorization": f"Bearer {settings.bearer_token}"} if settings.bearer_token else {}
    url = f"{settings.prometheus_url}/api/v1/query_range?{params}"
    answer = get(url, timeout=settings.timeout, headers=headers)
    body = _json(answer.body)
    if answer.status != 200:
        reason = body.get("error", "") if isinstance(body, dict) else ""
        return [], f"Prometheus query failed ({answer.detail}{': ' + reason if reason else ''})"
    try:
        return [_series(item) for item in body["data"]["result"]], ""
    except (KeyError, TypeError, ValueError):
        return [], "Prometheus answered with an unreadable result"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _series(item: Mapping[str, Any]) -> Series:
    pairs: Sequence[Any] = item.get("values") or ([item["value"]] if "value" in item else [])
    return Series(
        labels={str(k): str(v) for k, v in item.get("metric", {}).items()},
        values=tuple(float(pair[1]) for pair in pairs),
    )
