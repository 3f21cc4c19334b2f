"""The run as one self-contained HTML page: header, summary, the files skipped on request
(`--skip-unsupported`), the scenarios on one overview, a timeline per scenario with its
availability and metrics charts (inline SVG, `undertow.report.charts`), all events.

Everything is rendered by Jinja2 with autoescaping on (resource names can hold any text);
the compiled templates are kept between runs (`undertow.report.template_cache`).
The page loads nothing: CSS and the small filter script are inline, and its
Content-Security-Policy allows only that script (by hash) and inline styles.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from undertow.events import Event
from undertow.report.availability import availability_strips
from undertow.report.charts import scenario_charts
from undertow.report.template_cache import bytecode_cache
from undertow.report.timeline import RunView, Step, build_view

# A scenario timeline shows at most this many events of one kind in a row before folding the
# rest into one line (a pod kill of 1,000 pods); the full list keeps every event.
RUN_OF_KIND_SHOWN = 3

# On the run overview a scenario's bar is never narrower than this share of the run (nor than
# 6px, in the CSS): a 0.1 s scenario in a two-hour run is still seen. Its duration is written
# beside the bar, so the length never has to be read off a sliver.
MIN_BAR_PERCENT = 2.0


def render_html(events: Sequence[Event]) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("undertow.report", "templates"),
        bytecode_cache=bytecode_cache(),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        when=format_time,
        seconds=format_duration,
        offset=format_offset,
        compact=compact_json,
        number=format_number,
    )
    script = env.get_template("report.js.j2").render()
    script_hash = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    view = build_view(events)
    return env.get_template("report.html.j2").render(
        run=view,
        timelines=[fold_runs(s.steps) for s in view.scenarios],
        positions=[_positions(s.steps, s.duration) for s in view.scenarios],
        lanes=lanes(view),
        skipped=skipped_files(events),
        strips=[
            availability_strips(
                s.judged.get("health") or (), started_at=s.started_at, duration=s.duration
            )
            for s in view.scenarios
        ],
        charts=[
            scenario_charts(s.judged, s.steps, started_at=s.started_at, duration=s.duration)
            for s in view.scenarios
        ],
        script=script,
        script_hash=script_hash,
        generated=format_time(events[-1].time) if events else "",
    )


@dataclass(frozen=True)
class SkippedFile:
    """A scenario file the run skipped on request, as the `scenario.skipped` event names it."""

    file: str
    scenario_type: str
    reason: str
    named_at: str


def skipped_files(events: Sequence[Event]) -> list[SkippedFile]:
    return [
        SkippedFile(
            file=str(e.data.get("written") or e.data.get("file", "")),
            scenario_type=e.scenario,
            reason=str(e.data.get("reason", "")),
            named_at=str(e.data.get("config", "")),
        )
        for e in events
        if e.kind == "scenario.skipped"
    ]


@dataclass(frozen=True)
class Row:
    """A timeline row: one step, or (`more` > 0) the folded rest of a run of one kind."""

    step: Step
    more: int = 0


def fold_runs(steps: Sequence[Step]) -> list[Row]:
    """Steps, with each run of one kind longer than RUN_OF_KIND_SHOWN + 1 folded after its start.

    The folded row carries the run's last step: "and N more <kind> until <its offset>".
    """
    out: list[Row] = []
    i = 0
    while i < len(steps):
        j = i
        while j < len(steps) and steps[j].kind == steps[i].kind:
            j += 1
        if j - i > RUN_OF_KIND_SHOWN + 1:
            out.extend(Row(s) for s in steps[i : i + RUN_OF_KIND_SHOWN])
            out.append(Row(steps[j - 1], more=j - i - RUN_OF_KIND_SHOWN))
        else:
            out.extend(Row(s) for s in steps[i:j])
        i = j
    return out


@dataclass(frozen=True)
class Lane:
    """Where a scenario's bar sits on the run overview, in percent of the run."""

    left: float
    width: float


def lanes(view: RunView) -> list[Lane]:
    """One bar per scenario, placed by its start and sized by its duration, at least
    MIN_BAR_PERCENT wide (moved left if that would overflow the end)."""
    if not view.scenarios:
        return []
    origin = min(s.started_at for s in view.scenarios)
    if view.started_at is not None:
        origin = min(origin, view.started_at)
    ends = [s.started_at + (s.duration or 0.0) for s in view.scenarios]
    end = max([*ends, view.finished_at or origin])
    span = end - origin
    out = []
    for s, stop in zip(view.scenarios, ends, strict=True):
        left = (s.started_at - origin) / span * 100 if span > 0 else 0.0
        width = max((stop - s.started_at) / span * 100 if span > 0 else 100.0, MIN_BAR_PERCENT)
        out.append(Lane(round(min(left, 100.0 - width), 2), round(min(width, 100.0), 2)))
    return out


def _positions(steps: Sequence[Step], duration: float | None) -> list[tuple[float, Step]]:
    """Where each step sits on the scenario's bar, in percent of its duration."""
    span = max(duration or 0.0, max((s.offset for s in steps), default=0.0))
    if span <= 0:
        return [(0.0, s) for s in steps]
    return [(round(min(max(s.offset / span, 0.0), 1.0) * 100, 2), s) for s in steps]


def format_time(epoch: float | None) -> str:
    if epoch is None:
        return "not recorded"
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d} UTC"


def format_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "not recorded"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)} min {rest:04.1f} s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)} h {int(minutes):02d} min {rest:04.1f} s"


def format_offset(seconds: float) -> str:
    return f"+{seconds:.2f} s" if seconds >= 0 else f"{seconds:.2f} s"


def format_number(value: Any) -> str:
    """Metrics are floats; three decimals are enough to read them (tiny ones keep two digits)."""
    if not isinstance(value, float) or not math.isfinite(value):
        return str(value)
    if value != 0 and abs(value) < 0.001:
        return f"{value:.2g}"
    return f"{value:.3f}".rstrip("0").rstrip(".")


def compact_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, default=str, ensure_ascii=False) if data else ""
