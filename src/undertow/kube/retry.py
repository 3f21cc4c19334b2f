"""Bounded retry with exponential backoff for API calls, raising undertow's errors.

Reads are retried on 429, 5xx and dropped connections. Mutations are retried only when the
server certainly did not apply them (429 Too Many Requests); any other failure of a mutation
is raised at once, so the caller treats the change as possibly applied. The backoff loop and
the policy are the undo verbs' (`undertow.undo.k8s_api`): one copy for both. A `Retry-After`
the server sends (with 429, or 503) lengthens the next pause to what it asks, never beyond
the policy's `max_delay`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from undertow import errors
from undertow.kube.errors import wrap
from undertow.undo.k8s_api import RetryPolicy, is_transient, retrying, status_of

__all__ = ["RetryPolicy", "call"]

T = TypeVar("T")


def retry_after(exc: BaseException) -> float | None:
    """The seconds an API error's `Retry-After` header asks for (the delay-seconds form)."""
    headers = getattr(exc, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    try:
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    return seconds if seconds is not None and seconds >= 0 else None


class _ServerHint:
    """Remembers the last failure's Retry-After, so the next pause can honour it."""

    def __init__(self, retryable: Callable[[BaseException], bool], policy: RetryPolicy) -> None:
        self._retryable, self._max = retryable, policy.max_delay
        self._asked: float | None = None

    def retryable(self, exc: BaseException) -> bool:
        self._asked = retry_after(exc)
        return self._retryable(exc)

    def pause(self, backoff: float) -> float:
        asked = self._asked if self._asked is not None else 0.0
        return max(backoff, min(asked, self._max))


def _mutation_retryable(exc: BaseException) -> bool:
    return not isinstance(exc, errors.UndertowError) and status_of(exc) == 429


def _read_retryable(exc: BaseException) -> bool:
    return not isinstance(exc, errors.UndertowError) and is_transient(exc)


def call(
    fn: Callable[[], T],
    doing: str,
    *,
    policy: RetryPolicy,
    mutation: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `fn`, retrying per `policy`; raise the wrapped undertow error when it gives up."""
    hint = _ServerHint(_mutation_retryable if mutation else _read_retryable, policy)
    try:
        return retrying(
            fn, policy=policy, retryable=hint.retryable, sleep=lambda s: sleep(hint.pause(s))
        )
    except errors.UndertowError:
        raise
    except Exception as exc:
        raise wrap(exc, doing) from exc
