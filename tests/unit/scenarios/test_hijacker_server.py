"""The hijacker server answers as Krkn's (Flask) server does: real HTTP requests on loopback,
byte for byte on status, Content-Type and body; the steps follow an injected clock, so no
test sleeps. The last tests run it as a real process (stdlib only: `python -I -S` from a copy).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from undertow.hijacker import server_source
from undertow.hijacker.server import Hijacker, make_server, parse_plan

STEP = 15.0
JSON_500 = '{\n  "status":"internal server error"\n}\n'
PLAN = [
    {
        "resource": "/list/index.php",
        "steps": {
            "GET": [
                {
                    "duration": STEP,
                    "status": 500,
                    "mime_type": "application/json",
                    "payload": JSON_500,
                },
                {"duration": STEP, "status": 201, "mime_type": "application/json", "payload": "{}"},
                {"duration": STEP, "status": 200, "mime_type": "text/plain", "payload": "last"},
            ],
            "POST": [
                {"duration": STEP, "status": 401, "mime_type": "application/json", "payload": "{}"},
                {
                    "duration": STEP,
                    "status": 404,
                    "mime_type": "text/plain",
                    "payload": "not found",
                },
            ],
        },
    },
    {
        "resource": "/patch",
        "steps": {
            "PATCH": [{"duration": STEP, "status": 201, "mime_type": "text/html", "payload": "ok"}],
            "NONEXISTENT": [
                {
                    "status": 418,
                    "mime_type": "application/xml",
                    "payload": "<teapot/>",
                    "headers": {"X-Chaos": "yes"},
                }
            ],
        },
    },
    {
        "resource": "/empty",
        "steps": {
            "GET": [{"duration": STEP, "status": 200, "mime_type": "text/plain; charset=latin-1"}]
        },
    },
]
NOT_FOUND = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.</p>\n"
)
NOT_ALLOWED = (
    "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n"
    "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n"
)
HTML = "text/html; charset=utf-8"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Served:
    def __init__(self, port: int, clock: Clock) -> None:
        self.port, self.clock = port, clock

    def at(self, seconds: float) -> Served:
        """Move the clock to `seconds` after the server started serving its plan."""
        self.clock.now = 1000.0 + seconds
        return self

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

    def answer(self, method: str, path: str) -> tuple[int, str, str]:
        return self.request(method, path)[:3]


@pytest.fixture
def served() -> Iterator[Served]:
    clock = Clock()
    server = make_server("127.0.0.1", 0, Hijacker(parse_plan(PLAN), "/stats", clock))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Served(int(server.server_address[1]), clock)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_each_step_is_served_until_the_sum_of_the_durations_so_far(served: Served) -> None:
    assert served.at(0).answer("GET", "/list/index.php?x=1") == (500, "application/json", JSON_500)
    assert served.at(STEP).answer("GET", "/list/index.php")[0] == 500  # Krkn's `<=`
    assert served.at(STEP + 0.01).answer("GET", "/list/index.php") == (
        201,
        "application/json",
        "{}",
    )
    assert served.at(2 * STEP).answer("GET", "/list/index.php")[0] == 201
    last = (200, "text/plain; charset=utf-8", "last")
    assert served.at(2 * STEP + 0.01).answer("GET", "/list/index.php") == last
    assert served.at(100 * STEP).answer("GET", "/list/index.php") == last


def test_methods_have_their_own_steps_and_the_last_step_lasts(served: Served) -> None:
    assert served.at(0).request("POST", "/list/index.php", b"data")[:3] == (
        401,
        "application/json",
        "{}",
    )
    not_found = (404, "text/plain; charset=utf-8", "not found")
    assert served.at(STEP + 1).answer("POST", "/list/index.php") == not_found
    assert served.at(10 * STEP).answer("POST", "/list/index.php") == not_found
    # One step with no duration lasts from the start.
    assert served.at(10 * STEP).answer("NONEXISTENT", "/patch")[0] == 418


@pytest.mark.parametrize(
    ("mime_type", "sent"),
    [
        ("application/json", "application/json"),
        ("text/plain", "text/plain; charset=utf-8"),
        ("text/html", "text/html; charset=utf-8"),
        ("application/xml", "application/xml; charset=utf-8"),
        ("application/javascript", "application/javascript; charset=utf-8"),
        ("image/svg+xml", "image/svg+xml; charset=utf-8"),
        ("application/octet-stream", "application/octet-stream"),
        ("text/plain; charset=latin-1", "text/plain; charset=latin-1; charset=utf-8"),
    ],
)
def test_content_type_is_the_mime_type_with_charset_where_flask_adds_it(
    mime_type: str, sent: str
) -> None:
    plan = [{"resource": "/", "steps": {"GET": [{"status": 200, "mime_type": mime_type}]}}]
    reply = Hijacker(parse_plan(plan)).answer("GET", "/")
    assert (reply.content_type, reply.body) == (sent, b"")


def test_a_resource_answers_with_one_more_segment_and_merged_slashes(served: Served) -> None:
    ok = (201, "text/html; charset=utf-8", "ok")
    assert served.at(0).answer("PATCH", "/patch/1?test=plan") == ok
    assert served.answer("PATCH", "//patch") == ok
    assert served.answer("PATCH", "/patch/1/2") == (404, HTML, NOT_FOUND)
    assert served.answer("PATCH", "/patch/") == (404, HTML, NOT_FOUND)


def test_unknown_paths_and_methods_get_flasks_pages(served: Served) -> None:
    for method in ("GET", "DELETE", "OPTIONS", "BREW"):
        assert served.answer(method, "/nowhere") == (404, HTML, NOT_FOUND)
    status, mime, body, headers = served.request("GET", "/patch")
    assert (status, mime, body) == (405, HTML, NOT_ALLOWED)
    assert headers["Allow"] == "OPTIONS, PATCH, NONEXISTENT"
    status, mime, body, headers = served.request("OPTIONS", "/list/index.php")
    assert (status, mime, body, headers["Allow"]) == (200, HTML, "", "OPTIONS, GET, POST, HEAD")
    assert served.request("POST", "/stats")[3]["Allow"] == "OPTIONS, GET, HEAD"


def test_head_is_answered_as_get_without_the_body(served: Served) -> None:
    status, mime, body, headers = served.at(0).request("HEAD", "/list/index.php")
    assert (status, mime, body) == (500, "application/json", "")
    assert headers["Content-Length"] == str(len(JSON_500.encode()))
    assert served.answer("HEAD", "/patch")[0] == 405


def test_a_step_without_payload_has_an_empty_body_and_headers_are_sent(served: Served) -> None:
    assert served.at(0).answer("GET", "/empty") == (
        200,
        "text/plain; charset=latin-1; charset=utf-8",
        "",
    )
    status, mime, body, headers = served.request("NONEXISTENT", "/patch")
    assert (status, mime, body) == (418, "application/xml; charset=utf-8", "<teapot/>")
    assert headers["X-Chaos"] == "yes"


def test_stats_count_answers_by_method_path_status_and_step(served: Served) -> None:
    served.at(0).answer("GET", "/list/index.php")
    served.at(STEP + 1).answer("GET", "/list/index.php")
    served.answer("GET", "/elsewhere")
    status, mime, body, _ = served.request("GET", "/stats")
    assert (status, mime) == (200, "application/json")
    assert json.loads(body) == [
        {"method": "GET", "path": "/elsewhere", "status": 404, "step": -1, "count": 1},
        {"method": "GET", "path": "/list/index.php", "status": 201, "step": 1, "count": 1},
        {"method": "GET", "path": "/list/index.php", "status": 500, "step": 0, "count": 1},
    ]


# --- as a process ------------------------------------------------------------------------


class Process:
    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc, self.port = proc, port

    def answer(self, method: str, path: str) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            return resp.status, resp.getheader("Content-Type") or "", resp.read().decode()
        finally:
            conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, env: dict[str, str], args: list[str]) -> Process:
    script = tmp_path / "server.py"
    script.write_text(server_source())
    clean_env = {"PATH": os.environ.get("PATH", ""), **env}
    # -I -S: no site-packages, no user site, no PYTHONPATH: the standard library only.
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
    return Process(proc, int(line.rsplit(":", 1)[1]))


def stop(h: Process) -> None:
    if h.proc.poll() is None:
        h.proc.kill()
    h.proc.wait(5)
    for stream in (h.proc.stdout, h.proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture
def process(tmp_path: Path) -> Iterator[Process]:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(PLAN))
    h = start(tmp_path, {"TEST_PLAN_PATH": str(plan)}, ["--port", "0"])
    yield h
    stop(h)


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
        assert h.answer("GET", "/") == (503, "text/plain; charset=utf-8", "down")
        assert json.loads(h.answer("GET", "/_s")[2])[0]["count"] == 1
    finally:
        stop(h)


def test_sigterm_stops_the_server_promptly(process: Process) -> None:
    assert process.answer("GET", "/list/index.php")[0] == 500
    process.proc.send_signal(signal.SIGTERM)
    assert process.proc.wait(3) == 0


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
