"""What a run produced: per-scenario results and timings, and the process exit code.

Exit codes (DESIGN §5), the most serious wins:
3 a rollback could not restore everything; 128+N interrupted by signal N (130 SIGINT,
143 SIGTERM, 129 SIGHUP); 1 a scenario or its recovery check failed, or its judgement did
(an `exit_on_failure` health target down, a Cerberus no-go); 0 all passed.
Bad input (2) never gets this far: it is raised before the run starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from undertow.health import Availability, Score, run_score
from undertow.health.cerberus import CerberusVerdict

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_ROLLBACK_INCOMPLETE = 3

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

    def __add__(self, other: RollbackTally) -> RollbackTally:
        return RollbackTally(
            restored=self.restored + other.restored,
            already_restored=self.already_restored + other.already_restored,
            conflicts=self.conflicts + other.conflicts,
            failed=self.failed + other.failed,
            pending=self.pending + other.pending,
            errors=self.errors + other.errors,
        )

    @property
    def complete(self) -> bool:
        return self.failed == 0


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
    score: Score | None = None
    """The resiliency score; None when `resiliency_run_mode` is disabled."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass(frozen=True)
class StaleReport:
    """Pending journal entries of earlier runs whose process is gone."""

    runs: tuple[str, ...] = ()
    entries: int = 0
    rolled_back: bool = False
    tally: RollbackTally = field(default_factory=RollbackTally)


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
    def exit_code(self) -> int:
        if not self.rollback.complete:
            return EXIT_ROLLBACK_INCOMPLETE
        if self.signal is not None:
            return 128 + self.signal
        if any(not run.passed for run in self.runs) or self.stopped_early:
            return EXIT_FAILED
        return EXIT_OK
