"""Polling with a deadline, on an injected clock, waking early on cancellation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from undertow.clock import CancelToken, Clock


@dataclass(frozen=True)
class WaitOutcome:
    done: bool
    cancelled: bool
    elapsed: float


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    interval: float,
    clock: Clock,
    cancel: CancelToken,
) -> WaitOutcome:
    """Call `check` until it returns True, `timeout` seconds pass, or the run is cancelled.

    `check` runs at least once, even with a zero timeout.
    """
    start = clock.monotonic()
    while True:
        if check():
            return WaitOutcome(True, False, clock.monotonic() - start)
        remaining = timeout - (clock.monotonic() - start)
        if remaining <= 0:
            return WaitOutcome(False, False, clock.monotonic() - start)
        if clock.sleep(min(interval, remaining), cancel):
            return WaitOutcome(False, True, clock.monotonic() - start)
