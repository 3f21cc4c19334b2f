"""Bounded, rate-limited fan-out of API calls (e.g. deleting 1,000 pods)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from undertow.clock import CancelToken

T = TypeVar("T")
R = TypeVar("R")


class RateLimiter:
    """At most `per_second` acquisitions per second, spread evenly (0 = unlimited)."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    item: T
    result: R | None
    error: BaseException | None


def fan_out(
    items: Sequence[T],
    call: Callable[[T], R],
    *,
    workers: int,
    per_second: float,
    cancel: CancelToken,
) -> list[Outcome[T, R]]:
    """Run `call` on every item with at most `workers` in flight and `per_second` starts.

    Items not started when `cancel` is set are skipped (absent from the result); an error
    in one call never stops the others. Results are in completion order.
    """
    limiter = RateLimiter(per_second)
    lock = threading.Lock()
    outcomes: list[Outcome[T, R]] = []

    def one(item: T) -> None:
        if cancel.cancelled:
            return
        limiter.acquire()
        if cancel.cancelled:
            return
        try:
            outcome: Outcome[T, R] = Outcome(item, call(item), None)
        except Exception as exc:  # recorded for the caller, never swallowed
            outcome = Outcome(item, None, exc)
        with lock:
            outcomes.append(outcome)

    if workers <= 1:
        for item in items:
            one(item)
        return outcomes
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="undertow-fanout") as pool:
        list(pool.map(one, items))
    return outcomes
