"""Signals only set the cancel flag; handlers are restored afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from undertow.clock import CancelToken
from undertow.runner import SignalWatch


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_cancels_and_is_remembered(signum: signal.Signals) -> None:
    before = signal.getsignal(signum)
    cancel = CancelToken()
    seen: list[int] = []
    with SignalWatch(cancel, on_signal=lambda: seen.append(1)) as watch:
        os.kill(os.getpid(), signum)
        assert cancel.wait(2.0)
    assert watch.received == signum
    assert cancel.reason == f"received {signum.name}"
    assert seen == [1]
    assert signal.getsignal(signum) == before


def test_the_first_signal_decides_the_exit_code() -> None:
    cancel = CancelToken()
    with SignalWatch(cancel) as watch:
        os.kill(os.getpid(), signal.SIGTERM)
        cancel.wait(2.0)
        os.kill(os.getpid(), signal.SIGINT)
    assert watch.received == signal.SIGTERM
    assert watch.count == 2


# The main thread holds the cancel token's internal lock (as it does for an instant inside
# every `cancel.wait`) when SIGTERM lands. A handler that takes that lock waits for itself.
_LOCK_HELD_WHEN_THE_SIGNAL_LANDS = """
import os, signal
from undertow.clock import CancelToken
from undertow.runner import SignalWatch

cancel = CancelToken()
with SignalWatch(cancel) as watch:
    with cancel._event._cond:  # os.kill to ourselves runs the handler before it returns
        os.kill(os.getpid(), signal.SIGTERM)
    woken = cancel.wait(600)
print(watch.received, woken, cancel.reason)
"""


def test_a_signal_landing_while_the_main_thread_holds_the_cancel_lock_does_not_hang() -> None:
    # The timeout only turns a hang into a failure; it bounds nothing the test measures.
    proc = subprocess.run(
        [sys.executable, "-c", _LOCK_HELD_WHEN_THE_SIGNAL_LANDS],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(int(signal.SIGTERM)), "True", "received", "SIGTERM"]


def test_the_third_signal_exits_at_once_with_the_first_signals_code() -> None:
    script = """
import os, signal, time
from undertow.clock import CancelToken
from undertow.runner import SignalWatch

with SignalWatch(CancelToken()):
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGTERM)
    while True:  # a main thread stuck in work it cannot leave
        time.sleep(1)
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 128 + signal.SIGINT, proc.stderr
    assert "pending rollback stays on disk" in proc.stderr
