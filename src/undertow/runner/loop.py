"""The run loop: iterations, waits, daemon mode, exit_on_failure, per-scenario settle.

Each scenario file runs inside a `try/finally` whose `finally` settles its journal entries,
so a failure, an exception, `SystemExit` or `KeyboardInterrupt` raised by a plugin, or a
cancellation (signal) all end with the scenario's changes undone (when rollback.auto is on).
"""

from __future__ import annotations

import logging
import signal
from dataclasses import dataclass, field
from typing import Any

from undertow.clock import CancelToken, Clock
from undertow.errors import ScenarioInputError, UndertowError
from undertow.events import Event, EventSink
from undertow.health import Judging, ScenarioJudge, Verdict
from undertow.runner.backend import RunBackend
from undertow.runner.control import RunSignal
from undertow.runner.judged import judged_data, judged_score
from undertow.runner.outcome import RollbackTally, ScenarioRun, Status
from undertow.runner.plan import RunPlan, ScenarioJob
from undertow.scenarios.base import RunContext, ScenarioResult


@dataclass(frozen=True)
class LoopOptions:
    iterations: int = 1
    wait_duration: float = 0.0
    daemon_mode: bool = False
    exit_on_failure: bool = False
    strict: bool = False
    """A scenario with findings fails (else the findings are reported and it passes)."""
    judging: Judging = field(default_factory=Judging)
    max_targets: int | None = None
    """The most targets one scenario selection may hold (RunContext.max_targets)."""


@dataclass
class LoopState:
    """What the loop learned beyond the per-scenario results."""

    signal: int | None = None
    stopped_early: str = ""


def run_loop(
    plan: RunPlan,
    *,
    backend: RunBackend,
    options: LoopOptions,
    clock: Clock,
    cancel: CancelToken,
    events: EventSink,
    log: logging.Logger,
    state: LoopState | None = None,
    control: RunSignal | None = None,
) -> list[ScenarioRun]:
    """Run every job `iterations` times (or until cancelled in daemon mode); with run
    control, hold before each scenario while it is paused."""
    state = state if state is not None else LoopState()
    runs: list[ScenarioRun] = []
    iteration = 0
    while not cancel.cancelled and (options.daemon_mode or iteration < options.iterations):
        iteration += 1
        for index, job in enumerate(plan.jobs):
            if control is not None:
                control.hold(log)
                if cancel.cancelled:
                    break
                control.scenario = f"{job.scenario_type}: {job.file}"
            run = _run_one(
                job,
                iteration,
                strict=options.strict,
                judging=options.judging,
                max_targets=options.max_targets,
                backend=backend,
                clock=clock,
                cancel=cancel,
                events=events,
                log=log,
                state=state,
            )
            runs.append(run)
            if not run.rollback.complete:
                state.stopped_early = "a rollback could not restore everything"
                cancel.cancel(state.stopped_early)
            elif run.bad_input:
                state.stopped_early = f"bad input in {job.file}; nothing after it was run"
                cancel.cancel(state.stopped_early)
            elif not run.passed and options.exit_on_failure:
                state.stopped_early = f"exit_on_failure: {job.scenario_type} failed"
                cancel.cancel(state.stopped_early)
            if cancel.cancelled:
                break
            last = not options.daemon_mode and iteration == options.iterations
            if not (last and index == len(plan.jobs) - 1) and options.wait_duration > 0:
                log.info("waiting %gs before the next scenario", options.wait_duration)
                clock.sleep(options.wait_duration, cancel)
        if not plan.jobs:
            break
    return runs


def _run_one(
    job: ScenarioJob,
    iteration: int,
    *,
    strict: bool,
    judging: Judging,
    max_targets: int | None,
    backend: RunBackend,
    clock: Clock,
    cancel: CancelToken,
    events: EventSink,
    log: logging.Logger,
    state: LoopState,
) -> ScenarioRun:
    scenario_type, file = job.scenario_type, job.file
    started_at, start = clock.wall(), clock.monotonic()
    events.emit(
        Event(
            "scenario.started",
            f"{scenario_type}: {file}",
            scenario_type,
            started_at,
            {"iteration": iteration, "file": file},
        )
    )
    log.info("iteration %d: %s %s", iteration, scenario_type, file)
    result: ScenarioResult | None = None
    error = ""
    bad_input = False
    status: Status = "error"
    guard = backend.begin(scenario_type, file)
    rollback = RollbackTally()
    judge = ScenarioJudge(
        judging,
        api=guard.kube.api if judging.reads_cluster else None,
        clock=clock,
        cancel=cancel,
        log=log.getChild("health"),
    )
    verdict = Verdict()
    try:
        judge.start()
        ctx = RunContext(
            scenario_type=scenario_type,
            scenario_file=file,
            kube=guard.kube,
            clock=clock,
            cancel=cancel,
            events=events,
            log=log.getChild(scenario_type),
            helpers=backend.helper_pods,
            max_targets=max_targets,
        )
        result = job.plugin.run(ctx, job.spec)
        for finding in result.findings:
            events.emit(
                Event("scenario.finding", finding, scenario_type, clock.wall(), {"file": file})
            )
        status = "passed" if result.passed and not (strict and result.findings) else "failed"
    except UndertowError as exc:
        error = str(exc)
        bad_input = isinstance(exc, ScenarioInputError)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.exception("%s raised an unexpected error", scenario_type)
    except BaseException as exc:  # KeyboardInterrupt / SystemExit from inside a plugin
        error = f"{type(exc).__name__} raised inside the scenario"
        if isinstance(exc, KeyboardInterrupt) and state.signal is None:
            state.signal = signal.SIGINT
        cancel.cancel(error)
    finally:
        if cancel.cancelled:  # cut short by a signal: its own verdict is not the story
            status = "interrupted"
        rollback = _settle(guard, passed=status == "passed", log=log)
        verdict = judge.finish()  # after the rollback: targets must be back by then
    score = judged_score(judging, result, recovered=not error, verdict=verdict)
    judged_only = bool(verdict.failures) and status == "passed"
    if verdict.failures:
        error = "; ".join(filter(None, [error, *verdict.failures]))
        status = "failed" if status == "passed" else status
    duration = clock.monotonic() - start
    run = ScenarioRun(
        iteration=iteration,
        scenario_type=scenario_type,
        file=file,
        status=status,
        started_at=started_at,
        duration=duration,
        summary=_summary(result, strict=strict),
        error=error,
        targets=tuple(result.targets) if result is not None else (),
        metrics=dict(result.metrics) if result is not None else {},
        findings=tuple(result.findings) if result is not None else (),
        rollback=rollback,
        health=verdict.health,
        cerberus=verdict.cerberus,
        alerts=verdict.alerts,
        prometheus_metrics=verdict.metrics,
        slos=verdict.slos,
        score=score,
        judged_only=judged_only,
        bad_input=bad_input,
    )
    log.log(
        logging.INFO if status == "passed" else logging.ERROR,
        "%s %s: %s",
        scenario_type,
        status,
        run.error or run.summary,
    )
    events.emit(
        Event(
            "scenario.finished",
            f"{scenario_type}: {status}",
            scenario_type,
            clock.wall(),
            _finished_data(run),
        )
    )
    return run


def _summary(result: ScenarioResult | None, *, strict: bool) -> str:
    if result is None:
        return ""
    if strict and result.findings:
        return "; ".join([result.summary, *(f"finding: {f}" for f in result.findings)])
    return result.summary


def _settle(guard: Any, *, passed: bool, log: logging.Logger) -> RollbackTally:
    try:
        tally: RollbackTally = guard.settle(passed=passed)
    except Exception as exc:
        log.error("rollback failed: %s", exc)
        return RollbackTally(failed=1, errors=(str(exc),))
    return tally


def _finished_data(run: ScenarioRun) -> dict[str, Any]:
    return {
        "iteration": run.iteration,
        "file": run.file,
        "status": run.status,
        "duration": run.duration,
        "summary": run.summary,
        "error": run.error,
        "targets": list(run.targets),
        "metrics": dict(run.metrics),
        "findings": list(run.findings),
        "rollback": {
            "restored": run.rollback.restored,
            "already_restored": run.rollback.already_restored,
            "conflicts": run.rollback.conflicts,
            "failed": run.rollback.failed,
            "pending": run.rollback.pending,
            "errors": list(run.rollback.errors),
            "cleaned_up": run.rollback.cleaned_up,
        },
        **judged_data(run),
    }
