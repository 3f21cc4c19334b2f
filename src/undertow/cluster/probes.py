"""Health endpoints of the components, polled with a deadline."""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from undertow.errors import LocalClusterError

POLL_S = 0.25


def _context(ca: Path | None) -> ssl.SSLContext:
    if ca is None:
        # The controller-manager and scheduler serve self-signed in-memory certs on loopback.
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        return insecure
    return ssl.create_default_context(cafile=str(ca))


def fetch(url: str, *, ca: Path | None = None, timeout: float = 2.0) -> str | None:
    """The body of a 200 response, or None for anything else (refused, 5xx, TLS error...)."""
    try:
        ctx = _context(ca) if url.startswith("https") else None
        with urllib.request.urlopen(url, timeout=timeout, context=ctx) as resp:  # noqa: S310
            body: bytes = resp.read()
            return body.decode(errors="replace")
    except (OSError, urllib.error.URLError, ValueError):
        return None


def healthy(url: str, expect: str, *, ca: Path | None = None) -> bool:
    body = fetch(url, ca=ca)
    return body is not None and expect in body


def wait_until(
    what: str,
    check: Callable[[], bool],
    *,
    deadline_s: float,
    alive: Callable[[], bool] | None = None,
    on_fail: Callable[[str], str] | None = None,
) -> float:
    """Poll `check` until true; return the seconds it took.

    Fails early when `alive` says the process died, and on the deadline; `on_fail` turns the
    reason into the error message (e.g. adds the tail of the component's log).
    """
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if alive is not None and not alive():
            reason = f"{what}: the process exited"
            raise LocalClusterError(on_fail(reason) if on_fail else reason)
        if time.monotonic() - started > deadline_s:
            reason = f"{what}: not healthy after {deadline_s:.0f}s"
            raise LocalClusterError(on_fail(reason) if on_fail else reason)
        time.sleep(POLL_S)
