"""A scenario's events are also its log lines (what `-o FILE` and log-based checks read)."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest

from undertow.clock import CancelToken, SystemClock
from undertow.events import EventLog
from undertow.scenarios.base import RunContext


def context(events: EventLog) -> RunContext:
    return RunContext(
        scenario_type="pod_disruption_scenarios",
        scenario_file="pod.yaml",
        kube=cast(Any, None),  # emit never touches the cluster
        clock=SystemClock(),
        cancel=CancelToken(),
        events=events,
        log=logging.getLogger("undertow.pod_disruption_scenarios"),
    )


def test_each_event_is_logged_with_a_level_from_its_kind(caplog: pytest.LogCaptureFixture) -> None:
    events = EventLog()
    ctx = context(events)
    with caplog.at_level(logging.INFO, logger="undertow"):
        ctx.emit("pod.killed", "deleted pod shop/web-1", pod="shop/web-1")
        ctx.emit("recovery.failed", "not recovered: 1 of 2 pods Running+Ready after 5s")
        ctx.emit("scenario.error", "not enough pods match namespace ~ shop: expected 3")
        ctx.emit("hijack.warning", "no port of shop/web targets 'http'")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "deleted pod shop/web-1"),
        ("ERROR", "not recovered: 1 of 2 pods Running+Ready after 5s"),
        ("ERROR", "not enough pods match namespace ~ shop: expected 3"),
        ("WARNING", "no port of shop/web targets 'http'"),
    ]
    assert [e.kind for e in events.events] == [
        "pod.killed",
        "recovery.failed",
        "scenario.error",
        "hijack.warning",
    ]


def test_a_message_with_percent_signs_is_logged_as_it_is(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="undertow"):
        context(EventLog()).emit("outage.started", "blocked 100% of pods (app=%s)")
    assert caplog.records[0].getMessage() == "blocked 100% of pods (app=%s)"


def test_a_scenario_may_log_a_failure_kind_at_a_lower_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="undertow"):
        context(EventLog()).emit(
            "recovery.failed", "shop not back after 30s", level=logging.WARNING
        )
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "shop not back after 30s")
    ]
