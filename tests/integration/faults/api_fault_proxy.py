"""A loopback HTTPS proxy between undertow and the kube-apiserver that injects API faults.

    with FaultProxy(kubeconfig, rate=0.2, seed=1) as proxy:
        run undertow with --kubeconfig proxy.kubeconfig

It terminates TLS with the local cluster's own serving certificate (its kubeconfig's client
certificate is also the server's, SAN 127.0.0.1: `undertow.cluster.pki`), so the client's CA
check passes, and forwards each request to the real API server with that same client
certificate. At `rate`, a request instead meets one fault, picked with a seeded RNG:

- `500`, `503`: an error status, the request never forwarded (nothing applied);
- `429`: Too Many Requests with `Retry-After: 1`, never forwarded;
- `reset`: the connection reset (RST) before any answer, never forwarded;
- `reset_after`: forwarded (so applied), then the connection reset: the answer is lost;
- `slow`: forwarded after a pause of `slow_seconds`.

`methods` limits the faults to requests of those HTTP methods (e.g. `MUTATIONS`).

Watches and other long responses are relayed as they stream (each answer is close-delimited).
`counts` tallies the faults and the requests seen.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

FAULTS = ("500", "503", "429", "reset", "reset_after", "slow")
MUTATIONS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _relay(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = proxy.pick(self.command)
        if fault in ("500", "503", "429"):
            self._status(int(fault))
            return
        if fault == "reset":
            self._reset()
            return
        if fault == "slow":
            time.sleep(proxy.slow_seconds)
        upstream = proxy.upstream_connection()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            if fault == "reset_after":
                answer.read()
                self._reset()
                return
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Connection", "close")
            self.end_headers()
            while chunk := answer.read1(65536):
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:
            self._reset()
        finally:
            upstream.close()
        self.close_connection = True

    def _status(self, code: int) -> None:
        body = json.dumps(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "status": "Failure",
                "message": f"injected by the fault proxy: {code}",
                "code": code,
            }
        ).encode()
        self.send_response(code)
        if code == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _relay


class FaultProxy:
    """The proxy, serving on a free loopback port while the `with` block lasts."""

    def __init__(
        self,
        kubeconfig: Path | str,
        *,
        rate: float,
        seed: int = 0,
        faults: tuple[str, ...] = FAULTS,
        slow_seconds: float = 1.0,
        methods: frozenset[str] | None = None,
    ) -> None:
        self.source = Path(kubeconfig)
        config: dict[str, Any] = json.loads(self.source.read_text())
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        self._config = config
        self._upstream = urlsplit(cluster["server"])
        self._cert, self._key = user["client-certificate"], user["client-key"]
        self._client_tls = ssl.create_default_context(cafile=cluster["certificate-authority"])
        self._client_tls.load_cert_chain(self._cert, self._key)
        self.rate, self.faults, self.slow_seconds = rate, faults, slow_seconds
        self.methods = methods
        self._random = random.Random(seed)
        self._guard = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._server: _Server | None = None
        self.kubeconfig = Path()

    def pick(self, method: str) -> str | None:
        """The fault for the next request, or None to forward it untouched."""
        with self._guard:
            self.counts["requests"] += 1
            if self.methods is not None and method not in self.methods:
                return None
            if self._random.random() >= self.rate:
                return None
            fault = self._random.choice(self.faults)
            self.counts[fault] += 1
            return fault

    @property
    def injected(self) -> int:
        return sum(self.counts[f] for f in self.faults)

    def upstream_connection(self) -> http.client.HTTPSConnection:
        host, port = self._upstream.hostname or "127.0.0.1", self._upstream.port or 443
        return http.client.HTTPSConnection(host, port, context=self._client_tls, timeout=120)

    def start(self, directory: Path) -> FaultProxy:
        """Listen, and write `directory/proxy.kubeconfig` pointing at the proxy."""
        server = _Server(("127.0.0.1", 0), _Handler)
        serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        serving.load_cert_chain(self._cert, self._key)
        server.socket = serving.wrap_socket(server.socket, server_side=True)
        server.proxy = self
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        config = json.loads(json.dumps(self._config))
        config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{server.server_port}"
        self.kubeconfig = directory / "proxy.kubeconfig"
        self.kubeconfig.write_text(json.dumps(config))
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
