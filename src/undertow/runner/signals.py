"""SIGINT, SIGTERM and SIGHUP during a run: the handler only sets a flag.

The first signal cancels the run (scenarios stop injecting; rollback runs in the main flow's
`finally`). A third signal exits at once: pending version files stay on disk for
`undertow rollback execute`. Handlers are restored when the block ends.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType

from undertow.clock import CancelToken

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
FORCE_AFTER = 3


class SignalWatch:
    """Context manager turning the handled signals into a cancellation."""

    def __init__(
        self,
        cancel: CancelToken,
        signals: tuple[signal.Signals, ...] = HANDLED,
        *,
        on_signal: Callable[[], None] | None = None,
    ) -> None:
        self.cancel = cancel
        self.signals = signals
        self.on_signal = on_signal
        self.received: int | None = None
        self.count = 0
        self._previous: dict[signal.Signals, object] = {}

    def __enter__(self) -> SignalWatch:
        if threading.current_thread() is threading.main_thread():
            for signum in self.signals:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.received is None:
            self.received = signum
        name = signal.Signals(signum).name
        self.cancel.cancel(f"received {name}")
        if self.on_signal is not None:
            self.on_signal()
        if self.count >= FORCE_AFTER:
            os.write(
                2, f"\n{name} x{self.count}: exiting now; pending rollback stays on disk\n".encode()
            )
            os._exit(128 + (self.received or signum))
