"""Run control in the loop (fake backend, no cluster): STOP mid-scenario takes SIGTERM's path
(the scenario is rolled back, nothing more runs, exit 143)."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

from test_loop import LOG, FakeBackend, FakeClock, Plugin, plan

from undertow.clock import CancelToken
from undertow.events import EventLog
from undertow.runner import LoopOptions, execute
from undertow.runner.control import RunSignal, RunState
from undertow.scenarios.base import ScenarioResult


@dataclass
class Stopping(Plugin):
    """Asks for STOP through run control while it runs."""

    control: RunSignal | None = None

    def run(self, ctx: Any, spec: Any) -> ScenarioResult:
        assert self.control is not None
        self.control.set(RunState.STOP)
        return super().run(ctx, spec)


def test_stop_mid_scenario_rolls_it_back_and_ends_the_run_as_sigterm() -> None:
    cancel = CancelToken()
    control = RunSignal(cancel)
    first = Stopping("a", ["pass"], control=control)
    second = Plugin("b", ["pass"])
    backend = FakeBackend()
    outcome = execute(
        plan(first, second),
        backend=backend,
        options=LoopOptions(),
        clock=FakeClock(),
        cancel=cancel,
        events=EventLog(),
        log=LOG,
        control=control,
    )
    assert [run.status for run in outcome.runs] == ["interrupted"]
    assert backend.settled == [("a", False)]  # rolled back, as on a signal
    assert second.calls == 0
    assert (outcome.signal, outcome.exit_code) == (signal.SIGTERM, 143)
