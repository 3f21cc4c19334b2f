"""The run loop's pure logic, with a fake backend and fake plugins (no cluster here)."""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from undertow.clock import CancelToken
from undertow.config import ScenarioFileRef
from undertow.config.helper_pods import HelperPods
from undertow.events import EventLog
from undertow.runner import (
    LoopOptions,
    RollbackTally,
    RunPlan,
    ScenarioJob,
    StaleReport,
    execute,
)
from undertow.scenarios.base import ScenarioResult

LOG = logging.getLogger("test")


class Spec(BaseModel):
    pass


class FakeClock:
    """Time advances only when the loop sleeps or a plugin says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now

    def sleep(self, seconds: float, cancel: CancelToken) -> bool:
        self.sleeps.append(seconds)
        self.now += seconds
        return cancel.cancelled


@dataclass
class Plugin:
    """Behaves as told, one behaviour per call (the last one repeats)."""

    scenario_type: str
    behaviours: list[str]
    calls: int = 0
    summary: str = "fake"
    spec_model: type[BaseModel] = Spec

    def plan(self, ctx: Any, spec: Any) -> list[str]:
        return []

    def run(self, ctx: Any, spec: Any) -> ScenarioResult:
        behaviour = self.behaviours[min(self.calls, len(self.behaviours) - 1)]
        self.calls += 1
        ctx.clock.now += 2.5
        if behaviour == "raise":
            raise RuntimeError("boom")
        if behaviour == "exit":
            raise SystemExit(4)
        if behaviour == "interrupt":
            raise KeyboardInterrupt
        if behaviour == "bad-input":
            raise ctx.input_error((0, "interfaces", 1), "no such interface eth9")
        if behaviour.startswith("cancel"):
            ctx.cancel.cancel("received SIGTERM")
        if behaviour == "finding":
            return ScenarioResult(passed=True, summary="done", findings=["ns not back"])
        return ScenarioResult(passed=behaviour not in ("fail", "cancel-fail"), summary=behaviour)


@dataclass
class Guard:
    backend: FakeBackend
    scenario_type: str
    kube: object = None

    def settle(self, *, passed: bool) -> RollbackTally:
        self.backend.settled.append((self.scenario_type, passed))
        if not passed and self.backend.failing_rollback:
            raise RuntimeError("undo failed")
        return RollbackTally(restored=0 if passed else 1)


@dataclass
class FakeBackend:
    stale: StaleReport = field(default_factory=StaleReport)
    failing_rollback: bool = False
    settled: list[tuple[str, bool]] = field(default_factory=list)
    closed: bool = False
    run_id: str = "run-1"
    helper_pods: HelperPods = field(default_factory=HelperPods)

    def recover_stale(self) -> StaleReport:
        return self.stale

    def begin(self, scenario_type: str, scenario_file: str) -> Guard:
        return Guard(self, scenario_type)

    def close(self) -> None:
        self.closed = True


def plan(*plugins: Plugin) -> RunPlan:
    jobs = []
    for plugin in plugins:
        ref = ScenarioFileRef(
            plugin.scenario_type,
            Path(f"/s/{plugin.scenario_type}.yaml"),
            "x.yaml",
            Path("/c.yaml"),
            "scenarios[0]",
        )
        jobs.append(ScenarioJob(ref=ref, plugin=plugin, spec=Spec()))
    return RunPlan(jobs=tuple(jobs))


def run(the_plan: RunPlan, backend: FakeBackend | None = None, **options: Any) -> Any:
    backend = backend or FakeBackend()
    clock = FakeClock()
    events = EventLog()
    outcome = execute(
        the_plan,
        backend=backend,
        options=LoopOptions(**options),
        clock=clock,
        cancel=CancelToken(),
        events=events,
        log=LOG,
    )
    return outcome, backend, clock, events


def test_iterations_run_every_file_in_order_and_wait_between_them() -> None:
    a, b = Plugin("a", ["pass"]), Plugin("b", ["pass"])
    outcome, backend, clock, _ = run(plan(a, b), iterations=2, wait_duration=5)
    assert [(r.iteration, r.scenario_type) for r in outcome.runs] == [
        (1, "a"),
        (1, "b"),
        (2, "a"),
        (2, "b"),
    ]
    assert clock.sleeps == [5, 5, 5]  # between files, not after the last one
    assert outcome.exit_code == 0
    assert backend.closed
    assert backend.settled == [("a", True), ("b", True), ("a", True), ("b", True)]


def test_timings_are_measured_per_scenario() -> None:
    outcome, *_ = run(plan(Plugin("a", ["pass"])))
    assert outcome.runs[0].duration == pytest.approx(2.5)
    assert outcome.runs[0].started_at == 1000.0


def test_a_failed_scenario_is_settled_as_failed_and_exits_1() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["fail"]), Plugin("b", ["pass"])))
    assert [r.status for r in outcome.runs] == ["failed", "passed"]
    assert backend.settled == [("a", False), ("b", True)]
    assert outcome.exit_code == 1


def test_exit_on_failure_stops_at_the_first_failure() -> None:
    outcome, *_ = run(
        plan(Plugin("a", ["fail"]), Plugin("b", ["pass"])), exit_on_failure=True, iterations=3
    )
    assert [r.scenario_type for r in outcome.runs] == ["a"]
    assert outcome.stopped_early == "exit_on_failure: a failed"
    assert outcome.exit_code == 1


def test_an_exception_in_a_plugin_is_an_error_result_and_still_settles() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["raise"]), Plugin("b", ["pass"])))
    assert outcome.runs[0].status == "error"
    assert outcome.runs[0].error == "RuntimeError: boom"
    assert backend.settled[0] == ("a", False)
    assert len(outcome.runs) == 2
    assert outcome.exit_code == 1


def test_bad_input_found_by_a_scenario_is_settled_stops_the_run_and_exits_2() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["bad-input"]), Plugin("b", ["pass"])))
    assert backend.settled == [("a", False)]  # what it journaled is rolled back
    assert [(r.scenario_type, r.status, r.bad_input) for r in outcome.runs] == [
        ("a", "error", True)
    ]
    assert outcome.runs[0].error == "/s/a.yaml at [0].interfaces[1]: no such interface eth9"
    assert outcome.stopped_early == "bad input in /s/a.yaml; nothing after it was run"
    assert outcome.exit_code == 2


def test_system_exit_inside_a_plugin_is_rolled_back_and_stops_the_run() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["exit"]), Plugin("b", ["pass"])))
    assert backend.settled == [("a", False)]
    assert outcome.runs[0].error == "SystemExit raised inside the scenario"
    assert outcome.exit_code == 1


def test_keyboard_interrupt_inside_a_plugin_rolls_back_and_exits_130() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["interrupt"]), Plugin("b", ["pass"])))
    assert backend.settled == [("a", False)]
    assert [r.scenario_type for r in outcome.runs] == ["a"]
    assert outcome.exit_code == 130


def test_cancellation_during_a_scenario_settles_it_as_not_passed() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["cancel"]), Plugin("b", ["pass"])))
    assert outcome.runs[0].status == "interrupted"
    assert backend.settled == [("a", False)]
    assert len(outcome.runs) == 1


def test_a_scenario_cut_short_by_a_signal_is_interrupted_whatever_it_reported() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["cancel-fail"])))
    assert outcome.runs[0].status == "interrupted"
    assert backend.settled == [("a", False)]
    interrupted, *_ = run(plan(Plugin("a", ["interrupt"])))
    assert interrupted.runs[0].status == "interrupted"


def test_a_failing_rollback_exits_3_and_stops_injecting() -> None:
    backend = FakeBackend(failing_rollback=True)
    outcome, *_ = run(plan(Plugin("a", ["fail"]), Plugin("b", ["pass"])), backend)
    assert outcome.runs[0].rollback.failed == 1
    assert outcome.runs[0].rollback.errors == ("undo failed",)
    assert len(outcome.runs) == 1
    assert outcome.exit_code == 3


def test_daemon_mode_repeats_until_cancelled() -> None:
    a = Plugin("a", ["pass", "pass", "pass", "pass", "cancel"])
    outcome, *_ = run(plan(a), daemon_mode=True, iterations=1)
    assert [r.iteration for r in outcome.runs] == [1, 2, 3, 4, 5]
    assert outcome.runs[-1].status == "interrupted"


def test_stale_runs_that_cannot_be_rolled_back_block_new_injection() -> None:
    stale = StaleReport(
        runs=("old",), entries=2, rolled_back=True, tally=RollbackTally(restored=1, failed=1)
    )
    a = Plugin("a", ["pass"])
    outcome, *_ = run(plan(a), FakeBackend(stale=stale))
    assert a.calls == 0
    assert outcome.runs == ()
    assert outcome.exit_code == 3


def test_stale_runs_rolled_back_are_reported_then_the_run_proceeds() -> None:
    stale = StaleReport(runs=("old",), entries=1, rolled_back=True, tally=RollbackTally(restored=1))
    outcome, _, _, events = run(plan(Plugin("a", ["pass"])), FakeBackend(stale=stale))
    assert outcome.exit_code == 0
    kinds = [e.kind for e in events.events]
    assert kinds == [
        "run.started",
        "run.stale",
        "scenario.started",
        "scenario.finished",
        "run.finished",
    ]


def test_finished_events_carry_what_the_reports_need() -> None:
    _, _, _, events = run(plan(Plugin("a", ["fail"])))
    finished = next(e for e in events.events if e.kind == "scenario.finished")
    assert finished.scenario == "a"
    assert finished.data["status"] == "failed"
    assert finished.data["duration"] == pytest.approx(2.5)
    assert finished.data["rollback"]["restored"] == 1


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
)
def test_exit_code_after_a_signal(signum: int, code: int) -> None:
    from undertow.runner.outcome import RunOutcome

    assert RunOutcome(run_id="r", runs=(), signal=signum).exit_code == code


def test_skipped_files_are_named_in_the_events_and_the_reports() -> None:
    from undertow.report import build_report, render_junit
    from undertow.runner import SkippedFile

    ref = ScenarioFileRef(
        "time_scenarios",
        Path("/s/t.yaml"),
        "t.yaml",
        Path("/c.yaml"),
        "kraken.chaos_scenarios[1].time_scenarios[0]",
        line=7,
        declared_type="time_scenarios",
    )
    the_plan = RunPlan(
        jobs=plan(Plugin("a", ["pass"])).jobs, skipped=(SkippedFile(ref, "not implemented"),)
    )
    outcome, _, _, events = run(the_plan)
    assert outcome.exit_code == 0
    skipped = [e for e in events.events if e.kind == "scenario.skipped"]
    assert [(e.scenario, e.data["file"], e.data["config"]) for e in skipped] == [
        ("time_scenarios", "/s/t.yaml", "/c.yaml:7")
    ]
    report = build_report(events.events)
    assert (report["passed"], report["failed"], report["skipped"]) == (1, 0, 1)
    assert [s["status"] for s in report["scenarios"]] == ["passed", "skipped"]
    assert report["scenarios"][1]["reason"] == "not implemented"
    junit = render_junit(events.events)
    assert 'tests="2" failures="0" errors="0" skipped="1"' in junit
    assert '<testcase classname="time_scenarios" name="/s/t.yaml" time="0.000">' in junit
    assert '<skipped message="not implemented (named at /c.yaml:7)">' in junit


def test_a_finding_is_reported_and_the_scenario_passes_as_in_krkn() -> None:
    outcome, backend, _, events = run(plan(Plugin("a", ["finding"])))
    [only] = outcome.runs
    assert (only.status, only.findings, only.summary) == ("passed", ("ns not back",), "done")
    assert backend.settled == [("a", True)]
    assert outcome.exit_code == 0
    [finding] = [e for e in events.events if e.kind == "scenario.finding"]
    assert (finding.scenario, finding.message) == ("a", "ns not back")
    [finished] = [e for e in events.events if e.kind == "scenario.finished"]
    assert finished.data["findings"] == ["ns not back"]


def test_a_strict_run_fails_the_scenario_with_findings() -> None:
    outcome, backend, *_ = run(plan(Plugin("a", ["finding"]), Plugin("b", ["pass"])), strict=True)
    assert [r.status for r in outcome.runs] == ["failed", "passed"]
    assert outcome.runs[0].summary == "done; finding: ns not back"
    assert backend.settled == [("a", False), ("b", True)]
    assert outcome.exit_code == 1


def test_each_scenario_file_ends_with_a_verdict_line_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="test"):
        run(plan(Plugin("a", ["pass"]), Plugin("b", ["fail"]), Plugin("c", ["raise"])))
    verdicts = [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.getMessage().startswith(("a ", "b ", "c ")) and ": " in r.getMessage()
    ]
    assert verdicts == [
        ("INFO", "a passed: pass"),
        ("ERROR", "b failed: fail"),
        ("ERROR", "c error: RuntimeError: boom"),
    ]


def test_stale_runs_held_back_stop_the_run_before_anything_is_injected() -> None:
    held = "2 pending rollback entries of earlier runs left as they are"
    stale = StaleReport(runs=("old",), entries=2, held=held)
    a = Plugin("a", ["pass"])
    outcome, _, _, events = run(plan(a), FakeBackend(stale=stale))
    assert a.calls == 0
    assert outcome.stopped_early == held
    assert outcome.exit_code == 3
    [reported] = [e for e in events.events if e.kind == "run.stale"]
    assert reported.data["held"] == held


def test_the_resiliency_score_counts_a_finding_once_also_when_strict() -> None:
    # "a": recovered (3 kept) with one finding (1 lost): 75; "b": 3/3. The run pools 6/7: 85.
    for strict in (False, True):
        outcome, *_ = run(plan(Plugin("a", ["finding"]), Plugin("b", ["pass"])), strict=strict)
        scores = [r.score.value if r.score else None for r in outcome.runs]
        assert scores == [75, 100]
        assert outcome.score is not None and outcome.score.value == 85
