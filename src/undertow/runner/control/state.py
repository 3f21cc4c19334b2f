"""The run's control state: RUN, PAUSE or STOP, set from the endpoint's threads and read by
the run loop between two scenarios."""

from __future__ import annotations

import logging
import threading
from enum import StrEnum

from undertow.clock import CancelToken

POLL_SECONDS = 0.2
"""How often a paused loop looks at the state again (a cancellation wakes it at once)."""


class RunState(StrEnum):
    RUN = "RUN"
    PAUSE = "PAUSE"
    STOP = "STOP"


class RunSignal:
    """The state a run is in; STOP is final and cancels the run (as SIGTERM does)."""

    def __init__(self, cancel: CancelToken, initial: RunState = RunState.RUN) -> None:
        self._cancel = cancel
        self._lock = threading.Lock()
        self._state = initial
        self.scenario = ""
        """The scenario running now (`type: file`), for the status."""

    @property
    def state(self) -> RunState:
        with self._lock:
            return self._state

    @property
    def stopped(self) -> bool:
        return self.state is RunState.STOP

    def set(self, state: RunState) -> RunState:
        """Move to `state` (nothing leaves STOP); return the state now in force."""
        with self._lock:
            if self._state is not RunState.STOP:
                self._state = state
            now = self._state
        if now is RunState.STOP:
            self._cancel.cancel("STOP requested through run control")
        return now

    def hold(self, log: logging.Logger) -> None:
        """Wait while paused; return on RUN, STOP or cancellation."""
        if self.state is not RunState.PAUSE:
            return
        log.info("paused before the next scenario: waiting for RUN (`undertow ctl resume`)")
        while self.state is RunState.PAUSE:
            if self._cancel.wait(POLL_SECONDS):
                return
        if self.state is RunState.RUN:
            log.info("resumed")
