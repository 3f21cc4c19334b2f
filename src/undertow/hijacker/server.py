"""The service-hijacking web server: answers HTTP requests from a time-based plan.

This file depends on the standard library only, so the hijacker pod can run it from a
ConfigMap with any image that has `python3` (`python3 server.py`); it does not need
undertow installed. It reads the same settings as Krkn's hijacking image:

- the plan: `TEST_PLAN_PATH` (a JSON file; YAML too if PyYAML happens to be installed),
  or the plan itself as JSON in `UNDERTOW_HIJACKER_PLAN`, or `--plan FILE`;
- the port: `FLASK_RUN_PORT` or `--port` (default 5000); `--host` (default 0.0.0.0);
- `STATS_ROUTE` (default `/stats`): GET returns request counts as JSON.

A plan is a list of `{resource: <path>, steps: {<METHOD>: [{duration, status, mime_type,
payload, headers}]}}`. For each method and path the steps follow each other in time: step
n is served while the time since the server started is at most the sum of the durations
of steps 1..n; the last step (or one without a duration) lasts until the server stops.

It answers as Krkn's server (Flask) does, byte for byte on status, Content-Type and body:
a resource also matches `<resource>/<one segment>` and the query string is ignored;
`text/*` and XML types get `; charset=utf-8` appended, other types are sent as given;
a path outside the plan gets Flask's 404 page, a planned path asked with a method it has
no steps for gets the 405 page with an `Allow` header, and OPTIONS lists the methods.
Where Krkn's server answers 500 (HEAD on a GET route: it looks up steps for HEAD), HEAD
is answered as GET without the body.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

Clock = Callable[[], float]
"""Seconds from an arbitrary origin (time.monotonic); tests pass a clock they move."""


@dataclass(frozen=True)
class Step:
    status: int
    mime_type: str
    payload: bytes
    duration: float | None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Plan:
    """Steps per resource path, then per method, in the plan's order."""

    routes: dict[str, dict[str, list[Step]]]

    def resource_for(self, path: str) -> str | None:
        """The planned resource answering `path`: itself, or itself plus one segment."""
        if path in self.routes:
            return path
        head, _, segment = path.rpartition("/")
        for resource in self.routes:
            if segment and head == resource.rstrip("/"):
                return resource
        return None


def step_at(steps: Sequence[Step], elapsed: float) -> tuple[int, Step]:
    """The step serving at `elapsed` seconds, and its index."""
    end = 0.0
    for index, step in enumerate(steps):
        if step.duration is None:
            return index, step
        end += step.duration
        if elapsed <= end:
            return index, step
    return len(steps) - 1, steps[-1]


def parse_plan(document: Any) -> Plan:
    """Build a Plan from the decoded plan document; raise ValueError on a bad shape."""
    if not isinstance(document, Sequence) or isinstance(document, (str, bytes)):
        raise ValueError("the plan must be a list of {resource, steps}")
    routes: dict[str, dict[str, list[Step]]] = {}
    for n, entry in enumerate(document):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), str):
            raise ValueError(f"plan[{n}] needs a 'resource' path")
        steps_by_method = entry.get("steps")
        if not isinstance(steps_by_method, Mapping) or not steps_by_method:
            raise ValueError(f"plan[{n}] needs 'steps' by HTTP method")
        methods = routes.setdefault(_normalise(entry["resource"]), {})
        for method, steps in steps_by_method.items():
            if not isinstance(steps, Sequence) or not steps:
                raise ValueError(f"plan[{n}].steps.{method} must be a non-empty list")
            methods[str(method).upper()] = [_step(s, f"plan[{n}].steps.{method}") for s in steps]
    return Plan(routes)


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: each step must be a mapping")
    duration = raw.get("duration")
    payload = raw.get("payload")
    headers = raw.get("headers") or {}
    if payload is None:
        body = b""
    elif isinstance(payload, str):
        body = payload.encode()
    else:
        body = json.dumps(payload).encode()
    return Step(
        status=int(raw.get("status", 200)),
        mime_type=str(raw.get("mime_type", "text/plain")),
        payload=body,
        duration=None if duration is None else float(duration),
        headers=tuple((str(k), str(v)) for k, v in dict(headers).items()),
    )


def _normalise(path: str) -> str:
    """The request path as Flask matches it: decoded, repeated slashes merged."""
    return re.sub("/{2,}", "/", unquote(urlsplit(path).path)) or "/"


def load_plan_text(text: str) -> Any:
    """JSON first; YAML only when PyYAML is available (Krkn writes its plans as YAML)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        try:
            import yaml  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            raise ValueError("the plan is not JSON (and PyYAML is not installed)") from None
        return yaml.safe_load(text)


# --- answers as Flask gives them --------------------------------------------------------

_CHARSET_TYPES = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/sql",
        "application/xml",
        "application/xml-dtd",
        "application/xml-external-parsed-entity",
    }
)
HTML = "text/html; charset=utf-8"
NOT_FOUND = (
    b"<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    b"<p>The requested URL was not found on the server. If you entered the URL manually "
    b"please check your spelling and try again.</p>\n"
)
NOT_ALLOWED = (
    b"<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
    b"<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n"
)


def content_type(mime_type: str) -> str:
    """The Content-Type Flask sends for a step's `mime_type`."""
    if mime_type.startswith("text/") or mime_type in _CHARSET_TYPES or mime_type.endswith("+xml"):
        return f"{mime_type}; charset=utf-8"
    return mime_type


def _allow(methods: Sequence[str]) -> tuple[tuple[str, str], ...]:
    listed = ["OPTIONS", *(m for m in methods if m != "OPTIONS")]
    if "GET" in listed and "HEAD" not in listed:
        listed.append("HEAD")
    return (("Allow", ", ".join(listed)),)


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, int, int]] = Counter()

    def record(self, method: str, path: str, status: int, step: int) -> None:
        with self._lock:
            self._counts[(method, path, status, step)] += 1

    def as_json(self) -> bytes:
        with self._lock:
            rows = [
                {"method": m, "path": p, "status": s, "step": st, "count": c}
                for (m, p, s, st), c in sorted(self._counts.items())
            ]
        return json.dumps(rows).encode()


class Hijacker:
    """Turns (method, request target) into a Reply; the clock decides the step."""

    def __init__(self, plan: Plan, stats_route: str = "/stats", clock: Clock = time.monotonic):
        self.plan, self.stats, self.stats_route, self.clock = plan, Stats(), stats_route, clock
        self.started = clock()

    def restart(self) -> None:
        """Measure the steps from now (when the server starts serving)."""
        self.started = self.clock()

    def answer(self, method: str, target: str) -> Reply:
        path = _normalise(target)
        methods = self._methods(path)
        if methods is None:
            self.stats.record(method, path, 404, -1)
            return Reply(404, HTML, NOT_FOUND)
        serve = methods.get(method) or (methods.get("GET") if method == "HEAD" else None)
        if serve is None:
            status, body = (200, b"") if method == "OPTIONS" else (405, NOT_ALLOWED)
            self.stats.record(method, path, status, -1)
            return Reply(status, HTML, body, _allow(list(methods)))
        return serve(method, path)

    def _methods(self, path: str) -> dict[str, Callable[[str, str], Reply]] | None:
        """What answers each method on `path`; None when nothing is planned there."""
        if path == self.stats_route:
            return {"GET": lambda _m, _p: Reply(200, "application/json", self.stats.as_json())}
        resource = self.plan.resource_for(path)
        if resource is None:
            return None
        return {m: partial(self._step, s) for m, s in self.plan.routes[resource].items()}

    def _step(self, steps: Sequence[Step], method: str, path: str) -> Reply:
        index, step = step_at(steps, self.clock() - self.started)
        self.stats.record(method, path, step.status, index)
        return Reply(step.status, content_type(step.mime_type), step.payload, step.headers)


def make_handler(hijacker: Hijacker) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "undertow-hijacker"
        protocol_version = "HTTP/1.1"

        def __getattr__(self, name: str) -> Any:
            # BaseHTTPRequestHandler dispatches to do_<METHOD>; any method is served.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            reply = hijacker.answer(self.command.upper(), self.path)
            self.send_response(reply.status, _reason(reply.status))
            self.send_header("Content-Type", reply.content_type)
            for key, value in reply.headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command.upper() != "HEAD":
                self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            sys.stdout.write(f"{self.address_string()} {format % args}\n")
            sys.stdout.flush()

    return Handler


def _reason(status: int) -> str:
    """Werkzeug's reason phrases are the standard ones in upper case."""
    try:
        return HTTPStatus(status).phrase.upper()
    except ValueError:
        return "UNKNOWN"


def make_server(host: str, port: int, hijacker: Hijacker) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(hijacker))
    server.daemon_threads = True
    return server


def _read_plan(args: argparse.Namespace) -> Plan:
    inline = os.environ.get("UNDERTOW_HIJACKER_PLAN")
    path = args.plan or os.environ.get("TEST_PLAN_PATH")
    if path:
        with open(path, encoding="utf-8") as handle:
            return parse_plan(load_plan_text(handle.read()))
    if inline:
        return parse_plan(load_plan_text(inline))
    raise ValueError("no plan: set TEST_PLAN_PATH, UNDERTOW_HIJACKER_PLAN or --plan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a time-based HTTP response plan.")
    parser.add_argument("--plan", help="plan file (JSON, or YAML with PyYAML)")
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - it serves a Service
    parser.add_argument("--port", type=int, default=int(os.environ.get("FLASK_RUN_PORT", "5000")))
    args = parser.parse_args(argv)
    try:
        plan = _read_plan(args)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"undertow-hijacker: {exc}\n")
        return 2
    hijacker = Hijacker(plan, os.environ.get("STATS_ROUTE") or "/stats")
    server = make_server(args.host, args.port, hijacker)
    # As PID 1 in a container SIGTERM is ignored unless handled: stop promptly on delete.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    hijacker.restart()
    sys.stdout.write(f"undertow-hijacker listening on {args.host}:{server.server_address[1]}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
