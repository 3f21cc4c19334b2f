"""Charts for the HTML report, drawn as inline SVG (the page stays one file that loads nothing).

Per scenario, on its own time axis (from its start to the end of its rollback and recovery
sampling):

- the availability chart: one lane per health target, each sample a dot (healthy or not),
  each outage a band; the scenario's injections and undo steps as vertical marks;
- one chart per metric of Krkn's metrics profile: each series as a line, the value axis
  from the smallest to the largest value drawn.

Only numbers go into coordinates; every text (labels, series names) is rendered by the
template with autoescaping, so a hostile label stays text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from undertow.report.timeline import Step

WIDTH = 760
LEFT = 170
"""Room for lane and axis labels left of the plot."""
RIGHT = 12
PLOT = WIDTH - LEFT - RIGHT
LANE = 26
METRIC_HEIGHT = 150
MAX_SERIES = 8
"""A metric with more series draws the first ones and says how many it left out."""
COLORS = ("#0969da", "#8250df", "#bf8700", "#1a7f37", "#cf222e", "#57606a", "#e16f24", "#218bff")
MARKED_PHASES = ("inject", "undo")


@dataclass(frozen=True)
class Mark:
    """A vertical line at `x`: an injection or an undo step."""

    x: float
    phase: str
    title: str


@dataclass(frozen=True)
class Dot:
    x: float
    healthy: bool
    title: str


@dataclass(frozen=True)
class Lane:
    """One health target: its samples and outages, at `y` (the lane's middle)."""

    label: str
    y: float
    dots: Sequence[Dot]
    outages: Sequence[tuple[float, float]]
    """Each outage as (x, width)."""


@dataclass(frozen=True)
class Line:
    label: str
    points: str
    """SVG polyline points: numbers only."""
    color: str


@dataclass(frozen=True)
class Chart:
    kind: str
    """`availability` or `metric`."""
    title: str
    height: int
    span: float
    """Seconds the x axis covers."""
    marks: Sequence[Mark] = ()
    lanes: Sequence[Lane] = ()
    lines: Sequence[Line] = ()
    y_labels: Sequence[tuple[float, str]] = ()
    note: str = ""
    plot_top: int = 8
    plot_bottom: int = 0
    x_ticks: Sequence[tuple[float, str]] = field(default_factory=tuple)

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def left(self) -> int:
        return LEFT

    @property
    def right(self) -> int:
        return WIDTH - RIGHT


class _Axis:
    """Seconds since the scenario's start → x in the SVG."""

    def __init__(self, started_at: float, span: float) -> None:
        self.started_at = started_at
        self.span = max(span, 1e-9)

    def x(self, at: float) -> float:
        share = min(max((at - self.started_at) / self.span, 0.0), 1.0)
        return round(LEFT + share * PLOT, 1)

    def ticks(self) -> tuple[tuple[float, str], ...]:
        return tuple(
            (round(LEFT + share * PLOT, 1), f"+{share * self.span:.1f} s")
            for share in (0.0, 0.25, 0.5, 0.75, 1.0)
        )


def scenario_charts(
    judged: Mapping[str, Any], steps: Sequence[Step], *, started_at: float, duration: float | None
) -> list[Chart]:
    """The availability chart (when the scenario had health targets) and one chart per metric."""
    span = _span(judged, started_at, duration)
    axis = _Axis(started_at, span)
    marks = tuple(
        Mark(axis.x(started_at + s.offset), s.phase, f"+{s.offset:.2f} s {s.kind}: {s.message}")
        for s in steps
        if s.phase in MARKED_PHASES
    )
    charts = []
    health = judged.get("health") or ()
    if health:
        charts.append(_availability(health, axis, marks))
    charts += [_metric(metric, axis, marks) for metric in judged.get("prometheus_metrics") or ()]
    return charts


def _span(judged: Mapping[str, Any], started_at: float, duration: float | None) -> float:
    """The scenario's duration, stretched to its last sample or metric value if later."""
    last = started_at + (duration or 0.0)
    for target in judged.get("health") or ():
        last = max([last, *(float(at) for at, _ in target.get("series") or ())])
    for metric in judged.get("prometheus_metrics") or ():
        for series in metric.get("series") or ():
            last = max([last, *(float(at) for at, _ in series.get("values") or ())])
    return last - started_at


def _availability(health: Sequence[Mapping[str, Any]], axis: _Axis, marks: Sequence[Mark]) -> Chart:
    lanes = []
    for index, target in enumerate(health):
        dots = tuple(
            Dot(
                axis.x(float(at)),
                bool(up),
                f"+{float(at) - axis.started_at:.2f} s {'healthy' if up else 'unhealthy'}",
            )
            for at, up in target.get("series") or ()
        )
        outages = tuple(
            (axis.x(o["start"]), max(axis.x(o["end"]) - axis.x(o["start"]), 2.0))
            for o in target.get("outages") or ()
        )
        y = 8 + LANE * index + LANE / 2
        lanes.append(Lane(str(target.get("target", "")), y, dots, outages))
    height = 8 + LANE * len(lanes) + 24
    return Chart(
        kind="availability",
        title="Availability: health samples (green healthy, red not), outages, injections and undo",
        height=height,
        span=axis.span,
        marks=marks,
        lanes=lanes,
        plot_bottom=height - 24,
        x_ticks=axis.ticks(),
    )


def _metric(metric: Mapping[str, Any], axis: _Axis, marks: Sequence[Mark]) -> Chart:
    name = str(metric.get("metricName", ""))
    top, bottom = 8, METRIC_HEIGHT - 24
    series = [s for s in metric.get("series") or () if s.get("values")]
    values = [_number(v) for s in series for _, v in s["values"]]
    finite = [v for v in values if v is not None]
    note = str(metric.get("error") or "")
    if not finite and not note:
        note = "no values in the scenario's window"
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if high == low:
        low, high = low - 1.0, high + 1.0

    def y(value: float) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - top), 1)

    lines = []
    for index, one in enumerate(series[:MAX_SERIES]):
        points = " ".join(
            f"{axis.x(float(at))},{y(number)}"
            for at, raw in one["values"]
            if (number := _number(raw)) is not None
        )
        lines.append(Line(_labels(one.get("labels") or {}), points, COLORS[index % len(COLORS)]))
    if len(series) > MAX_SERIES:
        note = f"{len(series) - MAX_SERIES} more series not drawn (all are in report.json)"
    return Chart(
        kind="metric",
        title=f"{name}: {metric.get('query', '')}",
        height=METRIC_HEIGHT,
        span=axis.span,
        marks=marks,
        lines=lines,
        y_labels=((top, _short(high)), (bottom, _short(low))),
        note=note,
        plot_bottom=bottom,
        x_ticks=axis.ticks(),
    )


def _number(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _labels(labels: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _short(value: float) -> str:
    return f"{value:.4g}"
