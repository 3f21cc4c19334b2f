"""SIGINT, SIGTERM and SIGHUP during a run: the handler only records the signal.

A Python signal handler runs in the main thread between two bytecodes, possibly while that
thread holds a lock (the cancel token's `threading.Event` takes one inside every `wait`).
A handler that took the same lock would wait for itself forever, so the handler here only
assigns plain attributes. Everything else happens in normal code, in a watcher thread fed
by `signal.set_wakeup_fd` (the interpreter writes each signal's number to a pipe at C level):

- the first signal cancels the run (scenarios stop injecting; rollback runs in the main
  flow's `finally`) and decides the exit code (128 + N);
- every signal is passed to `on_signal` (the rollback's "abort? y/N" gate);
- the third signal exits at once: pending version files stay on disk for
  `undertow rollback execute`. This is the exit watchdog: the main thread may be blocked in
  an API call and cannot be asked to leave.

Handlers and the previous wakeup fd are restored when the block ends.
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
    """Context manager turning the handled signals into a cancellation.

    `received` (the first signal) and `count` are set by the handler itself, so the main
    thread sees them as soon as the handler has run.
    """

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
        self._previous_wakeup = -1
        self._pipe: tuple[int, int] | None = None
        self._watcher: threading.Thread | None = None

    def __enter__(self) -> SignalWatch:
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread receives signals; nothing to watch
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)  # set_wakeup_fd requires it; a full pipe drops bytes
        self._pipe = (read_end, write_end)
        self._watcher = threading.Thread(
            target=self._watch, args=(read_end,), name="undertow-signals", daemon=True
        )
        self._watcher.start()
        self._previous_wakeup = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
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
        if self._pipe is None:
            return
        signal.set_wakeup_fd(self._previous_wakeup)
        read_end, write_end = self._pipe
        os.close(write_end)  # the watcher reads end-of-file and returns
        if self._watcher is not None:
            self._watcher.join()
        os.close(read_end)
        self._pipe = self._watcher = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        # Plain assignments only: no lock, no callback, no I/O (see the module docstring).
        self.count += 1
        if self.received is None:
            self.received = signum

    def _watch(self, read_end: int) -> None:
        seen = 0
        first: int | None = None
        while chunk := os.read(read_end, 64):
            for signum in chunk:
                if signum not in self.signals:
                    continue  # another handler's signal also wakes the fd
                seen += 1
                first = first or signum
                if self.on_signal is not None:
                    self.on_signal()
                self.cancel.cancel(f"received {signal.Signals(first).name}")
                if seen >= FORCE_AFTER:
                    name = signal.Signals(signum).name
                    note = f"\n{name} x{seen}: exiting now; pending rollback stays on disk\n"
                    os.write(2, note.encode())
                    os._exit(128 + first)
