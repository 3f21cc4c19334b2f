"""Bounded retry with exponential backoff for API calls.

Reads are retried on 429, 5xx and dropped connections. Mutations are retried only when the
server certainly did not apply them (429 Too Many Requests); any other failure of a mutation
is raised at once, so the caller treats the change as possibly applied.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from undertow import errors
from undertow.kube.errors import RETRYABLE_STATUSES, is_connection_error, status_of, wrap

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` in all, sleeping `first_delay` s, doubling to `max_delay` s."""

    attempts: int = 5
    first_delay: float = 0.2
    max_delay: float = 5.0


def _retryable(exc: BaseException, *, mutation: bool) -> bool:
    status = status_of(exc)
    if mutation:
        return status == 429
    return status in RETRYABLE_STATUSES or (status is None and is_connection_error(exc))


def call(
    fn: Callable[[], T],
    doing: str,
    *,
    policy: RetryPolicy,
    mutation: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `fn`, retrying per `policy`; raise the wrapped undertow error when it gives up."""
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except errors.UndertowError:
            raise
        except Exception as exc:
            if not _retryable(exc, mutation=mutation) or attempt == policy.attempts:
                raise wrap(exc, doing) from exc
            sleep(delay)
            delay = min(delay * 2, policy.max_delay)
    raise AssertionError("unreachable: the loop returns or raises")
