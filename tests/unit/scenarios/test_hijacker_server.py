"""The hijacker server as a real process (stdlib only: run with `python -I -S` from a copy)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from undertow.hijacker import server_source

STEP = 1.5
PLAN = [
    {
        "resource": "/list/index.php",
        "steps": {
            "GET": [
                {
                    "duration": STEP,
                    "status": 500,
                    "mime_type": "application/json",
                    "payload": '{"status":"error"}',
                },
                {
                    "duration": STEP,
                    "status": 201,
                    "mime_type": "application/json",
                    "payload": '{"status":"created"}',
                },
                {"duration": STEP, "status": 200, "mime_type": "text/plain", "payload": "last"},
            ],
            "POST": [
                {
                    "duration": STEP,
                    "status": 401,
                    "mime_type": "text/plain",
                    "payload": "unauthorized",
                }
            ],
        },
    },
    {
        "resource": "/patch",
        "steps": {
            "NONEXISTENT": [
                {
                    "status": 418,
                    "mime_type": "text/html",
                    "payload": "<b>teapot</b>",
                    "headers": {"X-Chaos": "yes"},
                }
            ]
        },
    },
]


class Hijacker:
    def __init__(self, proc: subprocess.Popen[str], port: int, started: float) -> None:
        self.proc, self.port, self.started = proc, port, started

    def request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, str, str, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            return (
                resp.status,
                resp.getheader("Content-Type") or "",
                resp.read().decode(),
                dict(resp.getheaders()),
            )
        finally:
            conn.close()

    def at(self, seconds: float) -> None:
        """Sleep until `seconds` after the server started serving its plan."""
        delay = self.started + seconds - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, env: dict[str, str], args: list[str]) -> Hijacker:
    script = tmp_path / "server.py"
    script.write_text(server_source())
    clean_env = {"PATH": os.environ.get("PATH", ""), **env}
    # -I -S: no site-packages, no user site, no PYTHONPATH: the standard library only.
    before = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", str(script), "--host", "127.0.0.1", *args],
        env=clean_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "listening on" in line, proc.stderr.read() if proc.stderr else line
    return Hijacker(proc, int(line.rsplit(":", 1)[1]), before)


def stop(h: Hijacker) -> None:
    if h.proc.poll() is None:
        h.proc.kill()
    h.proc.wait(5)
    for stream in (h.proc.stdout, h.proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture
def hijacker(tmp_path: Path) -> Iterator[Hijacker]:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN))
    h = start(tmp_path, {"TEST_PLAN_PATH": str(plan)}, ["--port", "0"])
    yield h
    stop(h)


def test_steps_switch_after_each_duration_and_the_last_lasts(hijacker: Hijacker) -> None:
    assert hijacker.request("GET", "/list/index.php?x=1")[:3] == (
        500,
        "application/json",
        '{"status":"error"}',
    )
    assert hijacker.request("POST", "/list/index.php", b"data")[:3] == (
        401,
        "text/plain",
        "unauthorized",
    )
    hijacker.at(STEP + 0.3)
    assert hijacker.request("GET", "/list/index.php")[:3] == (
        201,
        "application/json",
        '{"status":"created"}',
    )
    # POST has a single step: it lasts until the end even after its duration.
    assert hijacker.request("POST", "/list/index.php")[0] == 401
    hijacker.at(2 * STEP + 0.3)
    assert hijacker.request("GET", "/list/index.php")[:3] == (200, "text/plain", "last")
    hijacker.at(3 * STEP + 0.5)
    assert hijacker.request("GET", "/list/index.php")[:3] == (200, "text/plain", "last")


def test_any_method_headers_unknown_routes_and_stats(hijacker: Hijacker) -> None:
    status, mime, body, headers = hijacker.request("NONEXISTENT", "/patch")
    assert (status, mime, body, headers["X-Chaos"]) == (418, "text/html", "<b>teapot</b>", "yes")
    assert hijacker.request("GET", "/patch")[0] == 404
    assert hijacker.request("GET", "/elsewhere")[0] == 404
    status, mime, body, _ = hijacker.request("GET", "/stats")
    assert (status, mime) == (200, "application/json")
    rows = {(r["method"], r["path"], r["status"]): r["count"] for r in json.loads(body)}
    assert rows == {
        ("NONEXISTENT", "/patch", 418): 1,
        ("GET", "/patch", 404): 1,
        ("GET", "/elsewhere", 404): 1,
    }


def test_krkn_environment_and_inline_plan(tmp_path: Path) -> None:
    port = free_port()
    plan = [
        {
            "resource": "/",
            "steps": {"GET": [{"status": 503, "mime_type": "text/plain", "payload": "down"}]},
        }
    ]
    env = {
        "UNDERTOW_HIJACKER_PLAN": json.dumps(plan),
        "FLASK_RUN_PORT": str(port),
        "STATS_ROUTE": "/_s",
    }
    h = start(tmp_path, env, [])
    try:
        assert h.port == port
        assert h.request("GET", "/")[:3] == (503, "text/plain", "down")
        assert json.loads(h.request("GET", "/_s")[2])[0]["count"] == 1
    finally:
        stop(h)


def test_sigterm_stops_the_server_promptly(hijacker: Hijacker) -> None:
    hijacker.proc.send_signal(signal.SIGTERM)
    assert hijacker.proc.wait(3) == 0


def test_a_bad_plan_exits_2_with_a_message(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(server_source())
    (tmp_path / "plan.json").write_text('[{"resource": "/", "steps": {}}]')
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(script), "--plan", str(tmp_path / "plan.json")],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 2
    assert "plan[0] needs 'steps'" in done.stderr


def test_the_script_imports_only_the_standard_library() -> None:
    imported = {
        line.split()[1].split(".")[0]
        for line in server_source().splitlines()
        if line.startswith(("import ", "from ")) and "__future__" not in line
    }
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)
