"""Time and cancellation, injected so scenario logic can be tested without waiting."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class CancelToken:
    """Set once when the run must stop injecting (signal, exit_on_failure, ...)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str = "cancelled") -> None:
        if not self._event.is_set():
            self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; return True if cancelled meanwhile."""
        return self._event.wait(max(0.0, seconds))


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def wall(self) -> float: ...

    def sleep(self, seconds: float, cancel: CancelToken) -> bool:
        """Sleep, waking early on cancellation. Returns True if cancelled."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def sleep(self, seconds: float, cancel: CancelToken) -> bool:
        return cancel.wait(seconds)
