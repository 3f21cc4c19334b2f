"""The run as JSON: scenarios with results and timings, and every event in order.

Files skipped on request (`--skip-unsupported`) are listed among the scenarios with
`status: skipped` and the reason; they count neither as passed nor as failed.
Findings (problems Krkn never checks) are listed under `findings`, and with each scenario.
Health targets, Cerberus's verdict, the alert profile's results and the resiliency score
come with each scenario (`health`, `cerberus`, `alerts`, `resiliency`); the run's score is
`resiliency` at the top.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from undertow.events import Event

SCHEMA_VERSION = 1


def event_dict(event: Event) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "time": event.time,
        "scenario": event.scenario,
        "message": event.message,
        "data": dict(event.data),
    }


def build_report(events: Sequence[Event]) -> dict[str, Any]:
    """Summarise the events of one run (as emitted by the runner) into a report document."""
    started = next((e for e in events if e.kind == "run.started"), None)
    finished = next((e for e in reversed(events) if e.kind == "run.finished"), None)
    scenarios = [
        {"scenario_type": e.scenario, "finished_at": e.time, **dict(e.data)}
        for e in events
        if e.kind == "scenario.finished"
    ]
    skipped = [
        {"scenario_type": e.scenario, "status": "skipped", **dict(e.data)}
        for e in events
        if e.kind == "scenario.skipped"
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": started.data.get("run_id") if started is not None else None,
        "started_at": started.time if started is not None else None,
        "finished_at": finished.time if finished is not None else None,
        "exit_code": finished.data.get("exit_code") if finished is not None else None,
        "resiliency": finished.data.get("resiliency") if finished is not None else None,
        "passed": sum(1 for s in scenarios if s.get("status") == "passed"),
        "failed": sum(1 for s in scenarios if s.get("status") != "passed"),
        "skipped": len(skipped),
        "findings": [
            {"scenario_type": e.scenario, "file": e.data.get("file"), "finding": e.message}
            for e in events
            if e.kind == "scenario.finding"
        ],
        "scenarios": scenarios + skipped,
        "events": [event_dict(e) for e in events],
    }


def render_json(events: Sequence[Event]) -> str:
    return json.dumps(build_report(events), indent=2, sort_keys=False, default=str) + "\n"
