"""Translate the kubernetes client's exceptions into undertow's error family.

`wrap(exc, doing)` returns the undertow error to raise `from exc`:
404 → NotFound, 409 → Conflict, 401/403 → Forbidden, 429/5xx and dropped connections →
ServerError (retryable), anything else → KubeError. The message says what undertow was
doing and what the API server answered. Which statuses are retryable, and what counts as a
dropped connection, is decided once, in `undertow.undo.k8s_api` (version files use it too).
"""

from __future__ import annotations

import json

from undertow import errors
from undertow.undo.k8s_api import RETRYABLE_STATUSES, is_connection_error, status_of


def _server_message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body:
        try:
            message = json.loads(body).get("message")
        except (ValueError, AttributeError):
            message = None
        return str(message or body.strip()[:300])
    return str(getattr(exc, "reason", "") or exc)


def wrap(exc: BaseException, doing: str) -> errors.KubeError:
    """The undertow error for `exc`, raised while `doing` (e.g. "get Pod shop/web-1")."""
    status = status_of(exc)
    if status is None:
        if is_connection_error(exc):
            return errors.ServerError(f"{doing}: connection to the API server failed: {exc}")
        return errors.KubeError(f"{doing}: {exc}")
    message = f"{doing}: {status} {_server_message(exc)}"
    if status == 404:
        return errors.NotFound(message, status=status)
    if status == 409:
        return errors.Conflict(message, status=status)
    if status in (401, 403):
        return errors.Forbidden(message, status=status)
    if status in RETRYABLE_STATUSES:
        return errors.ServerError(message, status=status)
    return errors.KubeError(message, status=status)
