"""One whole run: stale runs first, then the loop, then the summary event.

Signals only cancel (see `undertow.runner.signals`); every scenario settles its own journal
entries in the loop's `finally`, and the backend is closed in this function's `finally`.
"""

from __future__ import annotations

import logging
import signal as signals

from undertow.clock import CancelToken, Clock
from undertow.events import Event, EventSink
from undertow.runner.backend import RunBackend
from undertow.runner.control import RunSignal
from undertow.runner.judged import score_data
from undertow.runner.loop import LoopOptions, LoopState, run_loop
from undertow.runner.outcome import RunOutcome, ScenarioRun
from undertow.runner.plan import RunPlan, SkippedFile
from undertow.runner.signals import SignalWatch


def execute(
    plan: RunPlan,
    *,
    backend: RunBackend,
    options: LoopOptions,
    clock: Clock,
    cancel: CancelToken,
    events: EventSink,
    log: logging.Logger,
    watch: SignalWatch | None = None,
    control: RunSignal | None = None,
) -> RunOutcome:
    """Run the plan against the backend; never raises for scenario failures. A STOP through
    run control ends the run as SIGTERM does (same rollback, same exit code)."""
    state = LoopState()
    runs: list[ScenarioRun] = []
    events.emit(Event("run.started", f"run {backend.run_id}", data={"run_id": backend.run_id}))
    for skipped in plan.skipped:
        event = _skipped_event(skipped)
        events.emit(event)
        log.warning("%s; named at %s", event.message, skipped.where)  # also in the -o file
    try:
        stale = backend.recover_stale()
        if stale.runs:
            events.emit(
                Event(
                    "run.stale",
                    f"{stale.entries} pending entries from {len(stale.runs)} earlier run(s)",
                    data={
                        "runs": list(stale.runs),
                        "rolled_back": stale.rolled_back,
                        "held": stale.held,
                    },
                )
            )
        if stale.held:
            state.stopped_early = stale.held
        elif not stale.tally.complete:
            state.stopped_early = "stale runs could not be rolled back; nothing was injected"
        else:
            runs = run_loop(
                plan,
                backend=backend,
                options=options,
                clock=clock,
                cancel=cancel,
                events=events,
                log=log,
                state=state,
                control=control,
            )
    finally:
        backend.close()
    signal = watch.received if watch is not None and watch.received is not None else state.signal
    if signal is None and control is not None and control.stopped:
        signal = signals.SIGTERM
    outcome = RunOutcome(
        run_id=backend.run_id,
        runs=tuple(runs),
        stale=stale,
        signal=signal,
        stopped_early=state.stopped_early,
    )
    events.emit(
        Event(
            "run.finished",
            f"exit code {outcome.exit_code}",
            data={
                "exit_code": outcome.exit_code,
                "stopped_early": outcome.stopped_early,
                **({"resiliency": score_data(outcome.score)} if outcome.score else {}),
            },
        )
    )
    return outcome


def _skipped_event(skipped: SkippedFile) -> Event:
    """A file the user chose to skip (--skip-unsupported), named in every report."""
    ref = skipped.ref
    return Event(
        "scenario.skipped",
        f"{ref.declared_type}: {ref.written} skipped ({skipped.reason})",
        ref.scenario_type,
        data={
            "file": str(ref.path),
            "written": ref.written,
            "reason": skipped.reason,
            "config": skipped.where,
        },
    )
