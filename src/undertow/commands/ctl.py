"""`undertow ctl`: ask a running run for its state, pause, resume or stop it.

The run's address and token come from its state directory (`undertow.runner.control`) or
are given. A run that cannot be reached, or that refuses the token, is bad input (exit 2).
"""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

from undertow.errors import ConfigError, ConfigIssue
from undertow.runner.control import ControlAddress, find_control

Verb = Literal["status", "pause", "resume", "stop"]
_REQUESTS: dict[str, tuple[str, str]] = {
    "status": ("GET", "/status"),
    "pause": ("POST", "/PAUSE"),
    "resume": ("POST", "/RUN"),
    "stop": ("POST", "/STOP"),
}
TIMEOUT_SECONDS = 10.0


def control_address(
    runs_directory: Path, *, run: str | None, url: str | None, token: str | None
) -> ControlAddress:
    """The given URL and token, or the running run's (the one whose id starts with `run`)."""
    if url is not None:
        return ControlAddress(run_id=run or "", url=url, token=token or "")
    found = find_control(runs_directory, run)
    return ControlAddress(found.run_id, found.url, token or found.token, found.pid)


def send(address: ControlAddress, verb: Verb) -> dict[str, Any]:
    """Send one request; the run's status (`run_id`, `state`, `scenario`) after it."""
    method, path = _REQUESTS[verb]
    status, body = _request(address, method, path)
    if status == 401:
        _fail(address.url, "the run refused the token (pass the run's --token)")
    if status != 200:
        _fail(address.url, f"HTTP {status}: {body.strip()}")
    if verb == "status":
        data: dict[str, Any] = json.loads(body)
        return data
    return {"run_id": address.run_id, "state": body.strip(), "scenario": ""}


def _request(address: ControlAddress, method: str, path: str) -> tuple[int, str]:
    parts = urlsplit(address.url)
    host = parts.hostname
    if parts.scheme != "http" or not host:
        _fail(address.url, "expected an http:// URL, e.g. http://127.0.0.1:8081/")
    connection = http.client.HTTPConnection(host, parts.port or 80, timeout=TIMEOUT_SECONDS)
    headers = {"Authorization": f"Bearer {address.token}"} if address.token else {}
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    except OSError as exc:
        _fail(address.url, f"cannot reach the run: {exc}")
    finally:
        connection.close()


def _fail(url: str, message: str) -> NoReturn:
    raise ConfigError([ConfigIssue(url, "", message)])
