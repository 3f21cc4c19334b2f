"""Signals only set the cancel flag; handlers are restored afterwards."""

from __future__ import annotations

import os
import signal

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
