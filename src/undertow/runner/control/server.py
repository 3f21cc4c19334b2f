"""The run control endpoint: the standard library's HTTP server in a daemon thread.

    GET  /         the state as text (RUN, PAUSE or STOP), as Krkn's status endpoint answers
    GET  /status   JSON: run id, state, the scenario running now
    POST /RUN, /PAUSE, /STOP   set the state (Krkn's paths); the answer is the state in force

Every method but GET needs `Authorization: Bearer <token>` (401 otherwise, nothing changed).
The server only sets the `RunSignal`; the run loop acts on it in its own thread.
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from undertow.errors import UndertowError
from undertow.runner.control.state import RunSignal, RunState

_SETTERS = {f"/{state.value}": state for state in RunState}


class ControlUnavailable(UndertowError):
    """The endpoint could not listen on its address and port."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        super().__init__(address, _Handler)
        self.control: RunSignal | None = None
        self.token = ""
        self.run_id = ""
        self.log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "undertow-control"

    def do_GET(self) -> None:
        control = self._control()
        if self.path == "/":
            self._reply(200, control.state.value, "text/plain")
        elif self.path == "/status":
            body = {"run_id": self.server.run_id, "state": control.state.value}
            self._reply(200, json.dumps({**body, "scenario": control.scenario}), "application/json")
        else:
            self._reply(404, "not found: GET / or /status", "text/plain")

    def do_POST(self) -> None:
        if not self._authorized():
            return
        state = _SETTERS.get(self.path)
        if state is None:
            self._reply(404, "not found: POST /RUN, /PAUSE or /STOP", "text/plain")
            return
        now = self._control().set(state)
        self.server.log.warning("run control: %s requested; the run is now %s", state, now)
        self._reply(200, now.value, "text/plain")

    def do_PUT(self) -> None:
        self._refuse()

    def do_PATCH(self) -> None:
        self._refuse()

    def do_DELETE(self) -> None:
        self._refuse()

    def _refuse(self) -> None:
        if self._authorized():
            self._reply(405, "use POST /RUN, /PAUSE or /STOP", "text/plain")

    def _authorized(self) -> bool:
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.server.token}"
        if hmac.compare_digest(given.encode(), expected.encode()):
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Bearer realm="undertow"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def _control(self) -> RunSignal:
        assert self.server.control is not None
        return self.server.control

    def _reply(self, status: int, body: str, content_type: str) -> None:
        data = body.encode()  # no newline: Krkn's clients compare the body with "STOP"
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.log.debug("run control: " + format, *args)


class ControlServer:
    """Listens from `bind` on (so a busy port is found before the run starts) and serves
    from `start` until `close`."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self._thread: threading.Thread | None = None

    @classmethod
    def bind(cls, address: str, port: int, *, token: str) -> ControlServer:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        try:
            server = _Server((address, port), family)
        except OSError as exc:
            raise ControlUnavailable(f"cannot listen on {address} port {port}: {exc}") from exc
        server.token = token
        return cls(server)

    @property
    def token(self) -> str:
        return self._server.token

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{text}]" if ":" in text else text
        return f"http://{shown}:{port}/"

    def start(self, control: RunSignal, *, run_id: str) -> None:
        self._server.control = control
        self._server.run_id = run_id
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="undertow-control",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
