"""What a run produced: per-scenario results and timings, and the process exit code
(`undertow.exit_codes.for_run`: a rollback that left a conflict or a failure pending wins
over an interruption, which wins over a failed scenario — a failed recovery check or a failed
judgement: an `exit_on_failure` health target down, a Cerberus no-go, an `error`/`critical`
alert that fired). Bad input (2) is raised before the run starts, but for what only a look at
the cluster finds (`errors.ScenarioInputError`: a scenario's own clean-up and the rollback run
first, then the run stops).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from undertow import exit_codes
from undertow.health import Availability, Score, run_score
from undertow.health.alerts import AlertResult, SloResult
from undertow.health.cerberus import CerberusVerdict
from undertow.health.metrics import MetricResult

Status = Literal["passed", "failed", "error", "interrupted"]


@dataclass(frozen=True)
class RollbackTally:
    """How a scenario's (or a stale run's) journal entries ended."""

    restored: int = 0
    already_restored: int = 0
    conflicts: int = 0
    failed: int = 0
    pending: int = 0
    errors: tuple[str, ...] = ()
    cleaned_up: int = 0
    """Changes the scenario's own end step undid (with rollback on or off)."""

    def __add__(self, other: RollbackTally) -> RollbackTally:
        return RollbackTally(
            restored=self.restored + other.restored,
            already_restored=self.already_restored + other.already_restored,
            conflicts=self.conflicts + other.conflicts,
            failed=self.failed + other.failed,
            pending=self.pending + other.pending,
            errors=self.errors + other.errors,
            cleaned_up=self.cleaned_up + other.cleaned_up,
        )

    @property
    def complete(self) -> bool:
        """Every undo that was tried restored its object: no conflict, no failure. Entries
        kept pending on purpose (rollback.auto off) do not make it incomplete."""
        return self.failed == 0 and self.conflicts == 0


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario file run once."""

    iteration: int
    scenario_type: str
    file: str
    status: Status
    started_at: float
    duration: float
    summary: str = ""
    error: str = ""
    targets: tuple[str, ...] = ()
    metrics: Mapping[str, float] = field(default_factory=dict)
    findings: tuple[str, ...] = ()
    """Problems Krkn never checks; they failed the run only if it was strict."""
    rollback: RollbackTally = field(default_factory=RollbackTally)
    health: tuple[Availability, ...] = ()
    cerberus: CerberusVerdict | None = None
    alerts: tuple[AlertResult, ...] = ()
    prometheus_metrics: tuple[MetricResult, ...] = ()
    """Krkn's metrics profile over the scenario's window (enable_metrics)."""
    slos: tuple[SloResult, ...] = ()
    """The `resiliency_file`'s SLOs over the scenario's window: scored only."""
    score: Score | None = None
    """The resiliency score; None when `resiliency_run_mode` is disabled."""
    judged_only: bool = False
    """Failed only by its judgement (health, Cerberus, alerts): its own check passed."""
    bad_input: bool = False
    """Ended by its input (`errors.ScenarioInputError`), not by a failed fault."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def alerts_failed(self) -> bool:
        return any(alert.fails_run for alert in self.alerts)

    @property
    def health_failed(self) -> bool:
        return any(t.exit_on_failure and not t.passed for t in self.health)


@dataclass(frozen=True)
class StaleReport:
    """Pending journal entries of earlier runs whose process is gone."""

    runs: tuple[str, ...] = ()
    entries: int = 0
    rolled_back: bool = False
    tally: RollbackTally = field(default_factory=RollbackTally)
    held: str = ""
    """Why they were left pending and nothing was injected (rollback.auto off, no --yes)."""


@dataclass(frozen=True)
class RunOutcome:
    run_id: str
    runs: tuple[ScenarioRun, ...]
    stale: StaleReport = field(default_factory=StaleReport)
    signal: int | None = None
    stopped_early: str = ""

    @property
    def rollback(self) -> RollbackTally:
        total = self.stale.tally
        for run in self.runs:
            total = total + run.rollback
        return total

    @property
    def score(self) -> Score | None:
        """The run's resiliency score: every scored scenario's points pooled."""
        scores = [run.score for run in self.runs if run.score is not None]
        return run_score(scores) if scores else None

    @property
    def krkn_failure(self) -> int:
        """Krkn's code for this run when it failed (exit code 1): why it failed."""
        return exit_codes.krkn_failure(
            scenario_failed=any(not r.passed and not r.judged_only for r in self.runs),
            alerts_failed=any(run.alerts_failed for run in self.runs),
            health_failed=any(run.health_failed for run in self.runs),
        )

    @property
    def exit_code(self) -> int:
        return exit_codes.for_run(
            rollback_complete=self.rollback.complete and not self.stale.held,
            signal=self.signal,
            failed=any(not run.passed for run in self.runs) or bool(self.stopped_early),
            bad_input=any(run.bad_input for run in self.runs),
        )
