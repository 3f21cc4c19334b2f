"""The runner: validate scenario files into a plan, then run it with rollback guaranteed.

`build_plan` (no cluster) → `execute` (stale runs, the loop, settle in `finally`) →
`RunOutcome.exit_code`. The cluster and the journal are reached only through the
`RunBackend` protocol; run control (`undertow.runner.control`) pauses or stops the loop.
"""

from undertow.runner.backend import RunBackend, ScenarioGuard
from undertow.runner.execute import execute
from undertow.runner.loop import LoopOptions
from undertow.runner.outcome import (
    RollbackTally,
    RunOutcome,
    ScenarioRun,
    StaleReport,
)
from undertow.runner.plan import RunPlan, ScenarioJob, SkippedFile, build_plan
from undertow.runner.signals import SignalWatch

__all__ = [
    "LoopOptions",
    "RollbackTally",
    "RunBackend",
    "RunOutcome",
    "RunPlan",
    "ScenarioGuard",
    "ScenarioJob",
    "ScenarioRun",
    "SignalWatch",
    "SkippedFile",
    "StaleReport",
    "build_plan",
    "execute",
]
