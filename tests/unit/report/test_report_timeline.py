"""Grouping a run's events into per-scenario timelines (pure: constructed events)."""

from __future__ import annotations

import pytest
from report_fixtures import (
    T0,
    emitted,
    finished,
    pod_run,
    scenario_finished,
    scenario_started,
    started,
    tally,
)

from undertow.report.timeline import build_view, exit_meaning, phase_of, rollback_outcome


@pytest.mark.parametrize(
    ("kind", "phase"),
    [
        ("pod.killed", "inject"),
        ("zone.down", "inject"),
        ("recovery.ok", "recover"),
        ("node.uncordoned", "undo"),
        ("outage.ended", "undo"),
        ("recovery.failed", "failure"),
        ("pod.kill_failed", "failure"),
        ("scenario.error", "failure"),
        ("myplugin.probe_error", "failure"),
        ("hijack.warning", "failure"),
        ("targets.selected", "info"),
        ("myplugin.something", "info"),
    ],
)
def test_phase_of_known_and_plugin_kinds(kind: str, phase: str) -> None:
    assert phase_of(kind) == phase


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (0, "passed"),
        (1, "failed"),
        (3, "rollback incomplete"),
        (130, "interrupted by SIGINT"),
        (143, "interrupted by SIGTERM"),
        (129, "interrupted by SIGHUP"),
        (None, "unknown"),
    ],
)
def test_exit_meaning(code: int | None, meaning: str) -> None:
    assert exit_meaning(code).startswith(meaning)


def test_rollback_outcome_names_the_nonzero_counts() -> None:
    assert rollback_outcome(tally()) == ("nothing left to undo", True)
    assert rollback_outcome(tally(restored=2, already_restored=1)) == (
        "2 restored, 1 already restored",
        True,
    )
    assert rollback_outcome(tally(restored=1, failed=1, pending=1)) == (
        "1 restored, 1 failed, 1 pending",
        False,
    )


def test_events_are_grouped_per_scenario_with_offsets_from_its_start() -> None:
    view = build_view(pod_run())
    assert view.run_id == "run-1"
    assert view.started_at == T0 and view.finished_at == T0 + 7
    assert view.duration == 7 and view.exit_code == 0
    (pod,) = view.scenarios
    assert (pod.scenario_type, pod.file, pod.status, pod.duration) == (
        "pod_disruption_scenarios",
        "pods.yaml",
        "passed",
        5.5,
    )
    assert [(s.kind, s.offset, s.phase) for s in pod.steps] == [
        ("targets.selected", 0.5, "info"),
        ("pod.killed", 1.0, "inject"),
        ("pod.killed", pytest.approx(1.1), "inject"),
        ("recovery.ok", 5.0, "recover"),
        ("rollback.settled", 5.5, "undo"),
    ]
    assert pod.rollback_complete and pod.rollback_text == "nothing left to undo"
    assert view.verdict == "passed"
    assert [e.offset for e in view.events] == pytest.approx([0, 1, 1.5, 2, 2.1, 6, 6.5, 7])


def test_consecutive_scenarios_and_iterations_stay_apart() -> None:
    a, b = "application_outages_scenarios", "node_scenarios"
    events = [
        started(0),
        scenario_started(1, a, "app.yaml"),
        emitted(2, a, "outage.started", "policy created"),
        scenario_finished(3, a, "app.yaml"),
        scenario_started(4, b, "nodes.yaml"),
        emitted(5, b, "node.cordoned", "cordoned node n1"),
        scenario_finished(6, b, "nodes.yaml", "failed", 2.0, error="boom"),
        scenario_started(7, a, "app.yaml", iteration=2),
        emitted(7.5, "", "stray", "an event of no scenario"),
        scenario_finished(8, a, "app.yaml", iteration=2),
        finished(9, 1),
    ]
    view = build_view(events)
    assert [(s.scenario_type, s.iteration, s.status) for s in view.scenarios] == [
        (a, 1, "passed"),
        (b, 1, "failed"),
        (a, 2, "passed"),
    ]
    assert [[st.kind for st in s.steps] for s in view.scenarios] == [
        ["outage.started", "rollback.settled"],
        ["node.cordoned", "rollback.settled"],
        ["rollback.settled"],
    ]
    assert view.scenarios[1].error == "boom"
    assert len(view.events) == len(events)


def test_incomplete_rollback_is_a_failure_step() -> None:
    pod = "pod_disruption_scenarios"
    events = [
        started(0),
        scenario_started(1, pod, "p.yaml"),
        scenario_finished(
            2, pod, "p.yaml", "failed", rollback=tally(failed=1, errors=["patch refused"])
        ),
        finished(3, 3),
    ]
    (scenario,) = build_view(events).scenarios
    assert not scenario.rollback_complete
    assert scenario.rollback_text == "1 failed"
    assert build_view(events).verdict == "rollback incomplete"
    last = scenario.steps[-1]
    assert (last.kind, last.phase) == ("rollback.incomplete", "failure")
    assert last.data == {"errors": ["patch refused"]}


def test_unfinished_scenario_and_missing_run_end() -> None:
    pod = "pod_disruption_scenarios"
    events = [
        started(0),
        scenario_started(1, pod, "p.yaml"),
        emitted(2, pod, "pod.killed", "deleted pod x"),
    ]
    view = build_view(events)
    (scenario,) = view.scenarios
    assert scenario.status == "unfinished" and scenario.duration is None
    assert scenario.rollback_text == "not recorded" and not scenario.rollback_complete
    assert view.exit_code is None and view.duration is None
    assert view.exit_meaning.startswith("unknown")


def test_finish_without_start_is_placed_by_its_duration() -> None:
    pod = "pod_disruption_scenarios"
    view = build_view([scenario_finished(10, pod, "p.yaml", duration=4.0)])
    (scenario,) = view.scenarios
    assert scenario.started_at == T0 + 6 and scenario.status == "passed"
    assert view.run_id == "" and view.started_at is None


def test_empty_run() -> None:
    view = build_view([])
    assert view.scenarios == [] and view.events == [] and view.exit_code is None


def test_stale_runs_become_warnings() -> None:
    events = [
        started(0),
        emitted(0.5, "", "run.stale", "3 pending entries from 1 earlier run(s)"),
        finished(1, 1, "stale runs could not be rolled back; nothing was injected"),
    ]
    view = build_view(events)
    assert view.warnings == ["3 pending entries from 1 earlier run(s)"]
    assert view.stopped_early.startswith("stale runs")
