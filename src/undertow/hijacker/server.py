"""The service-hijacking web server: answers HTTP requests from a time-based plan.

This file depends on the standard library only, so the hijacker pod can run it from a
ConfigMap with any image that has `python3` (`python3 server.py`); it does not need
undertow installed. It reads the same settings as Krkn's hijacking image:

- the plan: `TEST_PLAN_PATH` (a JSON file; YAML too if PyYAML happens to be installed),
  or the plan itself as JSON in `UNDERTOW_HIJACKER_PLAN`, or `--plan FILE`;
- the port: `FLASK_RUN_PORT` or `--port` (default 5000); `--host` (default 0.0.0.0);
- `STATS_ROUTE` (default `/stats`): GET returns request counts as JSON.

A plan is a list of `{resource: <path>, steps: {<METHOD>: [{duration, status, mime_type,
payload, headers}]}}`. For each method and path the steps follow each other in time, each
lasting its `duration` seconds from the server's start; the last step (or one without a
duration) lasts until the server stops. The query string is ignored when matching paths.
Requests with no plan get 404.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Step:
    status: int
    mime_type: str
    payload: bytes
    duration: float | None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Plan:
    """Steps per (METHOD, path), and the clock they are measured against."""

    routes: dict[tuple[str, str], list[Step]]
    started: float = field(default_factory=time.monotonic)

    def step_at(self, method: str, path: str, now: float) -> tuple[int, Step] | None:
        steps = self.routes.get((method, path))
        if not steps:
            return None
        elapsed = now - self.started
        for index, step in enumerate(steps):
            if step.duration is None or index == len(steps) - 1:
                return index, step
            if elapsed < step.duration:
                return index, step
            elapsed -= step.duration
        return len(steps) - 1, steps[-1]


def parse_plan(document: Any) -> Plan:
    """Build a Plan from the decoded plan document; raise ValueError on a bad shape."""
    if not isinstance(document, Sequence) or isinstance(document, (str, bytes)):
        raise ValueError("the plan must be a list of {resource, steps}")
    routes: dict[tuple[str, str], list[Step]] = {}
    for n, entry in enumerate(document):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("resource"), str):
            raise ValueError(f"plan[{n}] needs a 'resource' path")
        steps_by_method = entry.get("steps")
        if not isinstance(steps_by_method, Mapping) or not steps_by_method:
            raise ValueError(f"plan[{n}] needs 'steps' by HTTP method")
        path = urlsplit(entry["resource"]).path or "/"
        for method, steps in steps_by_method.items():
            if not isinstance(steps, Sequence) or not steps:
                raise ValueError(f"plan[{n}].steps.{method} must be a non-empty list")
            routes[(str(method).upper(), path)] = [
                _step(s, f"plan[{n}].steps.{method}") for s in steps
            ]
    return Plan(routes)


def _step(raw: Any, where: str) -> Step:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: each step must be a mapping")
    duration = raw.get("duration")
    payload = raw.get("payload", "")
    headers = raw.get("headers") or {}
    return Step(
        status=int(raw.get("status", 200)),
        mime_type=str(raw.get("mime_type", "text/plain")),
        payload=payload.encode() if isinstance(payload, str) else json.dumps(payload).encode(),
        duration=None if duration is None else float(duration),
        headers=tuple((str(k), str(v)) for k, v in dict(headers).items()),
    )


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


def make_handler(plan: Plan, stats: Stats, stats_route: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "undertow-hijacker"
        protocol_version = "HTTP/1.1"

        def __getattr__(self, name: str) -> Any:
            # BaseHTTPRequestHandler dispatches to do_<METHOD>; any method is served.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def _serve(self) -> None:
            method = self.command.upper()
            path = urlsplit(self.path).path or "/"
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if method == "GET" and path == stats_route:
                self._reply(200, "application/json", stats.as_json())
                return
            found = plan.step_at(method, path, time.monotonic())
            if found is None:
                stats.record(method, path, 404, -1)
                self._reply(404, "text/plain", f"no plan for {method} {path}\n".encode())
                return
            index, step = found
            stats.record(method, path, step.status, index)
            self._reply(step.status, step.mime_type, step.payload, step.headers)

        def _reply(
            self, status: int, mime: str, body: bytes, headers: Sequence[tuple[str, str]] = ()
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            sys.stdout.write(f"{self.address_string()} {format % args}\n")
            sys.stdout.flush()

    return Handler


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
    stats_route = os.environ.get("STATS_ROUTE", "/stats")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(plan, Stats(), stats_route))
    server.daemon_threads = True
    # As PID 1 in a container SIGTERM is ignored unless handled: stop promptly on delete.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    plan.started = time.monotonic()
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
