"""Bounded retry with exponential backoff for API calls, raising undertow's errors.

Reads are retried on 429, 5xx and dropped connections. Mutations are retried only when the
server certainly did not apply them (429 Too Many Requests); any other failure of a mutation
is raised at once, so the caller treats the change as possibly applied. The backoff loop and
the policy are the undo verbs' (`undertow.undo.k8s_api`): one copy for both.
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
    retryable = _mutation_retryable if mutation else _read_retryable
    try:
        return retrying(fn, policy=policy, retryable=retryable, sleep=sleep)
    except errors.UndertowError:
        raise
    except Exception as exc:
        raise wrap(exc, doing) from exc
