"""`undertow run`: validate everything, then run (or only plan) the scenarios.

Order: config and every scenario file are validated (exit 2, no cluster contact) → the
kubeconfig is chosen (a missing one is bad input, exit 2) → the journal is opened (fail
closed) → the cluster is connected → what stale runs left pending is listed and, with
rollback.auto or --yes, rolled back (else the run stops there) → the loop runs, each
scenario settling its own journal entries in a `finally` → reports are written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from undertow.clock import CancelToken, SystemClock
from undertow.commands.connection import connector, kubeconfig_for
from undertow.commands.validate import Validated
from undertow.config import RollbackSettings
from undertow.errors import JournalError
from undertow.events import EventLog
from undertow.health import Judging
from undertow.report import write_reports
from undertow.rollback.retention import prune_executed
from undertow.runner import LoopOptions, RunOutcome, ScenarioJob, SignalWatch, execute
from undertow.scenarios.base import PlanContext, would_fail


@dataclass(frozen=True)
class PlannedJob:
    job: ScenarioJob
    lines: list[str]

    @property
    def would_fail(self) -> bool:
        """The plan says the run would fail (exit 1, as the run itself would)."""
        return bool(would_fail(self.lines))


def dry_run(validated: Validated, *, log: logging.Logger) -> list[PlannedJob]:
    """Resolve targets read-only and describe what each scenario would do; change nothing."""
    api = connector(validated.settings.connection, log=log)()
    try:
        planned = []
        for job in validated.plan.jobs:
            ctx = PlanContext(
                api=api,
                scenario_type=job.scenario_type,
                scenario_file=job.file,
                log=log.getChild(job.scenario_type),
            )
            planned.append(PlannedJob(job, job.plugin.plan(ctx, job.spec)))
        return planned
    finally:
        api.close()


def _prune_history(rollback: RollbackSettings, log: logging.Logger) -> None:
    """Delete executed version files past their retention; a failure only warns."""
    days = rollback.executed_retention_days
    try:
        pruned = prune_executed(rollback.versions_directory, retention_days=days)
    except (OSError, JournalError) as exc:
        log.warning("could not delete old executed version files: %s", exc)
        return
    if pruned:
        log.info("deleted %d executed version file(s) older than %g days", len(pruned), days)


def run(
    validated: Validated,
    *,
    log: logging.Logger,
    ask: Callable[[str], bool],
    events: EventLog | None = None,
    run_id: str | None = None,
    yes: bool = False,
) -> RunOutcome:
    """Run the validated plan against the cluster; the outcome carries the exit code.

    Dead runs' pending entries are listed first, then undone when rollback.auto is on or
    `yes`; otherwise they stay pending and nothing is injected."""
    from undertow.runner.cluster import ClusterBackend
    from undertow.runner.node_names import check_node_names

    settings = validated.settings
    kubeconfig = kubeconfig_for(settings.connection, log=log)
    events = events if events is not None else EventLog()
    cancel = CancelToken()
    backend: ClusterBackend | None = None

    def on_signal() -> None:
        if backend is not None:
            backend.gate.signal_received()

    with SignalWatch(cancel, on_signal=on_signal) as watch:
        backend = ClusterBackend.open(
            versions_directory=settings.rollback.versions_directory,
            journal_key=settings.rollback.journal_key,
            auto_rollback=settings.rollback.auto,
            kubeconfig=kubeconfig,
            context=settings.context,
            ask=ask,
            log=log,
            images=settings.images,
            run_id=run_id,
            stale_rollback=settings.rollback.auto or yes,
            heartbeat=settings.heartbeat,
            preflight=lambda api: check_node_names(validated.plan.jobs, api),
        )
        _prune_history(settings.rollback, log)
        outcome = execute(
            validated.plan,
            backend=backend,
            options=LoopOptions(
                iterations=settings.tunings.iterations,
                wait_duration=settings.tunings.wait_duration,
                daemon_mode=settings.tunings.daemon_mode,
                exit_on_failure=settings.exit_on_failure,
                strict=settings.strict,
                judging=Judging(
                    settings.health_checks,
                    settings.cerberus,
                    settings.resiliency,
                    settings.prometheus,
                ),
            ),
            clock=SystemClock(),
            cancel=cancel,
            events=events,
            log=log,
            watch=watch,
        )
    if settings.report_directory is not None:
        for path in write_reports(settings.report_directory, events.events):
            log.info("report written: %s", path)
    return outcome
