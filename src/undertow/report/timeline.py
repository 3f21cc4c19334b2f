"""The run's events grouped into per-scenario timelines, for the HTML report.

Scenarios run one after another, so an event belongs to the scenario run that was started
(and not yet finished) with the same scenario type when it was emitted. Each event gets a
phase from its kind: the built-in scenarios' kinds are listed; a plugin's own kinds fall
back on their last word (`...failed`, `...error`, `...warning` are failures).
"""

from __future__ import annotations

import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from undertow.events import Event

Phase = Literal["inject", "recover", "undo", "failure", "info"]

PHASES: Mapping[str, Phase] = {
    "pod.killed": "inject",
    "pod.evicted": "inject",
    "node.cordoned": "inject",
    "node.tainted": "inject",
    "node.drained": "inject",
    "node.stopped": "inject",
    "node.rebooted": "inject",
    "node.terminated": "inject",
    "node.disk_detached": "inject",
    "zone.down": "inject",
    "node.down": "inject",
    "outage.started": "inject",
    "hijack.started": "inject",
    "hijack.endpoints": "inject",
    "namespace.disrupted": "inject",
    "recovery.ok": "recover",
    "pod.recovered": "recover",
    "node.back": "recover",
    "node.started": "undo",
    "node.uncordoned": "undo",
    "node.untainted": "undo",
    "node.disk_attached": "undo",
    "zone.back": "undo",
    "outage.ended": "undo",
    "hijack.ended": "undo",
    "namespace.restored": "undo",
    "rollback.settled": "undo",
    "rollback.incomplete": "failure",
    "run.stale": "failure",
}

EXIT_MEANINGS: Mapping[int, str] = {
    0: "passed: every scenario passed and everything undertow changed was put back",
    1: "failed: a scenario or its recovery check failed (everything was put back)",
    2: "bad input: nothing was run",
    3: "rollback incomplete: some changes are still pending, see `undertow rollback list`",
}

ROLLBACK_COUNTS = ("restored", "already_restored", "conflicts", "failed", "pending")


def phase_of(kind: str) -> Phase:
    known = PHASES.get(kind)
    if known is not None:
        return known
    last = kind.rsplit(".", 1)[-1]
    if last in {"failed", "error", "warning"} or last.endswith(("_failed", "_error")):
        return "failure"
    return "info"


def exit_meaning(code: int | None) -> str:
    if code is None:
        return "unknown: the run did not record its end"
    if code in EXIT_MEANINGS:
        return EXIT_MEANINGS[code]
    if code > 128:
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            name = f"signal {code - 128}"
        return f"interrupted by {name}; what the run had pending was rolled back"
    return "unexpected exit code"


def rollback_outcome(tally: Mapping[str, Any]) -> tuple[str, bool]:
    """A scenario's rollback tally as text, and whether everything was put back."""
    parts = [f"{tally.get(k)} {k.replace('_', ' ')}" for k in ROLLBACK_COUNTS if tally.get(k)]
    complete = not tally.get("failed") and not tally.get("pending")
    return (", ".join(parts) if parts else "nothing left to undo"), complete


@dataclass(frozen=True)
class Step:
    """One event on a timeline; `offset` is seconds since the timeline's origin."""

    offset: float
    phase: Phase
    kind: str
    message: str
    scenario: str = ""
    time: float = 0.0
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ScenarioView:
    """One scenario file run once, with the events it emitted."""

    scenario_type: str
    started_at: float
    file: str = ""
    iteration: int = 1
    status: str = "unfinished"
    duration: float | None = None
    summary: str = ""
    error: str = ""
    targets: Sequence[str] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    rollback: Mapping[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    judged: Mapping[str, Any] = field(default_factory=dict)
    """`health`, `cerberus`, `alerts` and `resiliency` as the runner recorded them."""

    @property
    def rollback_text(self) -> str:
        if self.status == "unfinished":
            return "not recorded"
        return rollback_outcome(self.rollback)[0]

    @property
    def rollback_complete(self) -> bool:
        return self.status != "unfinished" and rollback_outcome(self.rollback)[1]


@dataclass(frozen=True)
class RunView:
    run_id: str
    started_at: float | None
    finished_at: float | None
    exit_code: int | None
    stopped_early: str
    scenarios: Sequence[ScenarioView]
    events: Sequence[Step]
    warnings: Sequence[str]
    resiliency: Mapping[str, Any] | None = None

    @property
    def duration(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at

    @property
    def exit_meaning(self) -> str:
        return exit_meaning(self.exit_code)

    @property
    def verdict(self) -> str:
        """One word for the page's badge."""
        code = self.exit_code
        if code is None:
            return "unknown"
        if code > 128:
            return "interrupted"
        return {0: "passed", 3: "rollback incomplete"}.get(code, "failed")


def build_view(events: Sequence[Event]) -> RunView:
    started = next((e for e in events if e.kind == "run.started"), None)
    finished = next((e for e in reversed(events) if e.kind == "run.finished"), None)
    origin = started.time if started is not None else (events[0].time if events else 0.0)
    scenarios: list[ScenarioView] = []
    running: dict[str, ScenarioView] = {}
    for event in events:
        if event.kind == "scenario.started":
            view = _started(event)
            running[event.scenario] = view
            scenarios.append(view)
        elif event.kind == "scenario.finished":
            done = running.pop(event.scenario, None)
            _finish(done if done is not None else _orphan(event, scenarios), event)
        elif event.scenario in running:
            current = running[event.scenario]
            current.steps.append(_step(event, current.started_at))
    warnings = [e.message for e in events if e.kind == "run.stale"]
    return RunView(
        run_id=str(started.data.get("run_id", "")) if started is not None else "",
        started_at=started.time if started is not None else None,
        finished_at=finished.time if finished is not None else None,
        exit_code=_int_or_none(finished.data.get("exit_code")) if finished is not None else None,
        stopped_early=str(finished.data.get("stopped_early") or "") if finished else "",
        resiliency=finished.data.get("resiliency") if finished else None,
        scenarios=scenarios,
        events=[_step(e, origin) for e in events],
        warnings=warnings,
    )


def _step(event: Event, origin: float) -> Step:
    return Step(
        offset=event.time - origin,
        phase=phase_of(event.kind),
        kind=event.kind,
        message=event.message,
        scenario=event.scenario,
        time=event.time,
        data=event.data,
    )


def _started(event: Event) -> ScenarioView:
    return ScenarioView(
        scenario_type=event.scenario,
        started_at=event.time,
        file=str(event.data.get("file", "")),
        iteration=_int_or_none(event.data.get("iteration")) or 1,
    )


def _orphan(event: Event, scenarios: list[ScenarioView]) -> ScenarioView:
    """A finish whose start was not recorded: placed by its own duration."""
    duration = float(event.data.get("duration") or 0.0)
    view = ScenarioView(scenario_type=event.scenario, started_at=event.time - duration)
    scenarios.append(view)
    return view


def _finish(view: ScenarioView, event: Event) -> None:
    data = event.data
    view.file = str(data.get("file", view.file))
    view.iteration = _int_or_none(data.get("iteration")) or view.iteration
    view.status = str(data.get("status", "error"))
    view.duration = float(data.get("duration") or (event.time - view.started_at))
    view.summary = str(data.get("summary") or "")
    view.error = str(data.get("error") or "")
    view.targets = [str(t) for t in data.get("targets") or ()]
    view.metrics = dict(data.get("metrics") or {})
    view.rollback = dict(data.get("rollback") or {})
    view.judged = {
        key: data[key]
        for key in ("health", "cerberus", "alerts", "slos", "resiliency", "prometheus_metrics")
        if key in data
    }
    text, complete = rollback_outcome(view.rollback)
    settled = Event(
        "rollback.settled" if complete else "rollback.incomplete",
        f"rollback: {text}",
        event.scenario,
        event.time,
        {"errors": list(view.rollback.get("errors") or ())},
    )
    view.steps.append(_step(settled, view.started_at))


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
