"""A real HTTP server on 127.0.0.1 that a test turns down and up, recording what it saw."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Switchable:
    """200 with `body` (or the body of the longest matching `paths` prefix) while up, 503
    while down; each request's time and path recorded."""

    def __init__(self, body: bytes = b"ok", paths: dict[str, bytes] | None = None) -> None:
        self.body = body
        self.paths = paths or {}
        self.up = True
        self.requests: list[tuple[float, str]] = []
        self.changes: list[tuple[float, bool]] = []
        self.first_request = threading.Event()
        self._lock = threading.Lock()
        self.url = ""

    def set_up(self, up: bool) -> None:
        with self._lock:
            self.up = up
            self.changes.append((time.time(), up))

    def answer(self, path: str) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append((time.time(), path))
            self.first_request.set()
            matches = sorted((p for p in self.paths if path.startswith(p)), key=len)
            body = self.paths[matches[-1]] if matches else self.body
            return (200, body) if self.up else (503, b"down")

    def max_gap(self) -> float:
        """The longest time between two requests: the sampling interval as the server saw it."""
        times = [at for at, _ in self.requests]
        return max(b - a for a, b in itertools.pairwise(times))


@contextmanager
def serving(target: Switchable) -> Iterator[Switchable]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = target.answer(self.path)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    target.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
