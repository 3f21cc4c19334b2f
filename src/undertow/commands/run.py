"""`undertow run`: validate everything, then run (or only plan) the scenarios.

Order: config and every scenario file are validated (exit 2, no cluster contact) → the
kubeconfig is chosen (a missing one is bad input, exit 2) → the run control endpoint takes
its port (a busy one is bad input) → the journal is opened (fail closed) → the cluster is
connected → what stale runs left pending is listed and, with rollback.auto or --yes, rolled
back (else the run stops there) → the loop runs, each scenario settling its own journal
entries in a `finally` → reports are written (also when an error ends the run), and printed
to PDF when asked.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from undertow.clock import CancelToken, SystemClock
from undertow.commands.connection import connector, kubeconfig_for
from undertow.commands.validate import Validated
from undertow.config import RollbackSettings, Settings
from undertow.errors import ConfigError, ConfigIssue, JournalError
from undertow.events import EventLog
from undertow.health import Judging
from undertow.report import render_json, write_reports
from undertow.report.pdf import PdfUnavailable, print_pdf
from undertow.rollback.protected import protected_namespaces
from undertow.rollback.retention import prune_executed
from undertow.runner import LoopOptions, RunOutcome, ScenarioJob, SignalWatch, execute
from undertow.runner.control import (
    ControlAddress,
    ControlServer,
    ControlUnavailable,
    RunSignal,
    RunState,
    remove_control,
    write_control,
)
from undertow.runner.guardian import GuardianMode
from undertow.scenarios.base import PlanContext, refused, would_fail
from undertow.scenarios.blast_radius import BlastRadius


@dataclass(frozen=True)
class PlannedJob:
    job: ScenarioJob
    lines: list[str]

    @property
    def would_fail(self) -> bool:
        """The plan says the run would fail or refuse it (exit 1, as the run itself would)."""
        return bool(would_fail(self.lines))

    @property
    def refused(self) -> bool:
        """The plan says the run would refuse it before any change."""
        return bool(refused(self.lines))


def dry_run(validated: Validated, *, log: logging.Logger) -> list[PlannedJob]:
    """Resolve targets read-only and describe what each scenario would do; change nothing.
    A selection the run would refuse (max_targets, a protected namespace) is a `refused:`
    line, checked with the run's own limits."""
    settings = validated.settings
    limits = BlastRadius(
        settings.max_targets,
        protected_namespaces(settings.heartbeat.namespace, settings.allow_protected_namespaces),
    )
    api = connector(settings.connection, log=log)()
    try:
        planned = []
        for job in validated.plan.jobs:
            ctx = PlanContext(
                api=api,
                scenario_type=job.scenario_type,
                scenario_file=job.file,
                log=log.getChild(job.scenario_type),
                limits=limits,
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
    guardian: GuardianMode = "optional",
) -> RunOutcome:
    """Run the validated plan against the cluster; the outcome carries the exit code.

    Dead runs' pending entries are listed first, then undone when rollback.auto is on or
    `yes`; otherwise they stay pending and nothing is injected. The reports are written
    however the run ends, once it has started (also when an error ends it)."""
    from undertow.runner.cluster import ClusterBackend
    from undertow.runner.node_names import check_node_names

    settings = validated.settings
    kubeconfig = kubeconfig_for(settings.connection, log=log)
    events = events if events is not None else EventLog()
    cancel = CancelToken()
    run_id = run_id or str(uuid.uuid4())
    control = RunSignal(cancel, RunState(settings.control.signal_state))
    server = _bind_control(settings) if settings.control.enabled else None
    backend: ClusterBackend | None = None

    def on_signal() -> None:
        if backend is not None:
            backend.gate.signal_received()

    try:
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
                guardian=guardian,
                preflight=lambda api: check_node_names(validated.plan.jobs, api),
                protected=protected_namespaces(
                    settings.heartbeat.namespace, settings.allow_protected_namespaces
                ),
            )
            _prune_history(settings.rollback, log)
            if server is not None:
                _serve_control(server, control, settings, run_id=run_id, log=log)
            return execute(
                validated.plan,
                backend=backend,
                options=LoopOptions(
                    iterations=settings.tunings.iterations,
                    wait_duration=settings.tunings.wait_duration,
                    daemon_mode=settings.tunings.daemon_mode,
                    exit_on_failure=settings.exit_on_failure,
                    strict=settings.strict,
                    max_targets=settings.max_targets,
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
                control=control,
            )
    finally:
        if server is not None:
            server.close()
            if settings.runs_directory is not None:
                remove_control(settings.runs_directory, run_id)
        if events.events:
            _keep_report(settings.runs_directory, run_id, events, log)
        if settings.report_directory is not None and events.events:
            _write_reports(settings.report_directory, events, pdf=settings.pdf_report, log=log)


def _bind_control(settings: Settings) -> ControlServer:
    """Listen before anything is changed: a busy port is bad input (exit 2)."""
    control = settings.control
    try:
        return ControlServer.bind(
            control.address, control.port, token=control.token or secrets.token_urlsafe(32)
        )
    except ControlUnavailable as exc:
        field = "control.address/port (Krkn: kraken.signal_address/port)"
        raise ConfigError([ConfigIssue(str(settings.source), field, str(exc))]) from exc


def _serve_control(
    server: ControlServer,
    control: RunSignal,
    settings: Settings,
    *,
    run_id: str,
    log: logging.Logger,
) -> None:
    """Start answering, tell the user where, and leave the address for `undertow ctl`."""
    server.start(control, run_id=run_id)
    token = server.token
    if settings.runs_directory is not None:
        address = ControlAddress(run_id=run_id, url=server.url, token=token, pid=os.getpid())
        try:
            write_control(settings.runs_directory, address)
        except OSError as exc:
            log.warning("`undertow ctl` will need --url and --token: %s", exc)
    shown = "(from the config)" if settings.control.token else token
    log.warning(
        "run control: %s (token %s); `undertow ctl status|pause|resume|stop`", server.url, shown
    )
    if not _loopback(settings.control.address):
        log.warning(
            "run control listens on %s: reachable from other hosts", settings.control.address
        )
    if control.state is RunState.PAUSE:
        log.warning("run control: starting paused (signal_state PAUSE); `undertow ctl resume`")


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def _keep_report(
    runs_directory: Path | None, run_id: str, events: EventLog, log: logging.Logger
) -> None:
    """The run's report.json in its state directory, for `undertow report show RUN_ID`."""
    if runs_directory is None:
        return
    directory = runs_directory / run_id
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        (directory / "report.json").write_text(render_json(events.events), encoding="utf-8")
    except OSError as exc:
        log.warning("could not keep the run's report.json in %s: %s", directory, exc)


def _write_reports(directory: Path, events: EventLog, *, pdf: bool, log: logging.Logger) -> None:
    for path in write_reports(directory, events.events):
        log.info("report written: %s", path)
    if pdf:
        try:
            log.info("report written: %s", print_pdf(directory / "report.html"))
        except PdfUnavailable as exc:
            log.warning("no PDF report: %s", exc)
