"""Krkn's metrics profile collected over one scenario's window: each query as a range query
over the window (or, with `instant: true`, once at its end), `.elapsed` replaced by the
window's length in whole minutes rounded up, as Krkn does. Stored in report.json; metrics
never fail a scenario."""

from __future__ import annotations

import math
from dataclasses import dataclass

from undertow.config.performance import MetricQuery, PrometheusSettings
from undertow.health.prometheus import Series, query_instant, query_range


@dataclass(frozen=True)
class MetricResult:
    metric_name: str
    query: str
    """As sent (`.elapsed` replaced)."""
    series: tuple[Series, ...] = ()
    error: str = ""


def collect_metrics(
    settings: PrometheusSettings, *, start: float, end: float
) -> list[MetricResult]:
    return [_collect(settings, metric, start=start, end=end) for metric in settings.metrics]


def _collect(
    settings: PrometheusSettings, metric: MetricQuery, *, start: float, end: float
) -> MetricResult:
    elapsed = f"{max(math.ceil((end - start) / 60), 1)}m"
    query = metric.query.replace(".elapsed", elapsed)
    if metric.instant:
        series, error = query_instant(settings, query, at=end)
    else:
        series, error = query_range(settings, query, start=start, end=end)
    return MetricResult(metric.metric_name, query, tuple(series), error)
