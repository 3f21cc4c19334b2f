"""Run control without a cluster: the state a run is in, the endpoint that shows and sets it
(token for anything but GET, loopback by default) and the file `undertow ctl` reads."""

from __future__ import annotations

import http.client
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from undertow.clock import CancelToken
from undertow.commands.ctl import control_address, send
from undertow.config.control import RunControlSection
from undertow.errors import ConfigError
from undertow.runner.control import (
    ControlAddress,
    ControlServer,
    RunSignal,
    RunState,
    find_control,
    remove_control,
    write_control,
)

TOKEN = "t" * 32


@pytest.fixture
def served() -> Iterator[tuple[ControlServer, RunSignal, CancelToken]]:
    cancel = CancelToken()
    control = RunSignal(cancel)
    server = ControlServer.bind("127.0.0.1", 0, token=TOKEN)
    server.start(control, run_id="run-1")
    try:
        yield server, control, cancel
    finally:
        server.close()


def request(
    server: ControlServer, method: str, path: str, token: str | None = None
) -> tuple[int, str]:
    host, port = server.url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_get_answers_the_state_as_krkn_does_and_the_status_as_json(
    served: tuple[ControlServer, RunSignal, CancelToken],
) -> None:
    server, control, _ = served
    control.scenario = "sleep_scenarios: s.yaml"
    assert request(server, "GET", "/") == (200, "RUN")
    status, body = request(server, "GET", "/status")
    assert status == 200
    assert json.loads(body) == {
        "run_id": "run-1",
        "state": "RUN",
        "scenario": "sleep_scenarios: s.yaml",
    }


@pytest.mark.parametrize("token", [None, "wrong-token-of-some-length", TOKEN + "x"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_anything_but_get_without_the_token_gets_401_and_changes_nothing(
    served: tuple[ControlServer, RunSignal, CancelToken], method: str, token: str | None
) -> None:
    server, control, cancel = served
    assert request(server, method, "/STOP", token)[0] == 401
    assert request(server, method, "/PAUSE", token)[0] == 401
    assert control.state is RunState.RUN and not cancel.cancelled


def test_pause_run_and_stop_with_the_token(
    served: tuple[ControlServer, RunSignal, CancelToken],
) -> None:
    server, control, cancel = served
    assert request(server, "POST", "/PAUSE", TOKEN) == (200, "PAUSE")
    assert control.state is RunState.PAUSE
    assert request(server, "POST", "/RUN", TOKEN) == (200, "RUN")
    assert request(server, "POST", "/STOP", TOKEN) == (200, "STOP")
    assert cancel.cancelled and "STOP" in cancel.reason
    assert request(server, "POST", "/RUN", TOKEN) == (200, "STOP")  # STOP is final
    assert request(server, "POST", "/NOPE", TOKEN)[0] == 404


def test_hold_waits_while_paused_and_returns_on_run() -> None:
    cancel = CancelToken()
    control = RunSignal(cancel, RunState.PAUSE)
    held = threading.Thread(target=control.hold, args=(logging.getLogger("test"),))
    held.start()
    held.join(0.5)
    assert held.is_alive()  # still paused
    control.set(RunState.RUN)
    held.join(10)
    assert not held.is_alive()


def test_hold_returns_when_the_run_is_cancelled() -> None:
    cancel = CancelToken()
    control = RunSignal(cancel, RunState.PAUSE)
    held = threading.Thread(target=control.hold, args=(logging.getLogger("test"),))
    held.start()
    cancel.cancel("SIGINT")
    held.join(10)
    assert not held.is_alive() and control.state is RunState.PAUSE


def _outside_address() -> str:
    """An address of this host that is not loopback (the interface of the default route)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        address: str = probe.getsockname()[0]
    except OSError:
        pytest.skip("this host has no non-loopback IPv4 address")
    finally:
        probe.close()
    if address.startswith("127."):
        pytest.skip("this host has no non-loopback IPv4 address")
    return address


def test_by_default_nothing_answers_on_a_non_loopback_address() -> None:
    outside = _outside_address()
    defaults = RunControlSection()
    server = ControlServer.bind(defaults.address, 0, token=TOKEN)
    server.start(RunSignal(CancelToken()), run_id="run-1")
    try:
        port = int(server.url.rstrip("/").rsplit(":", 1)[1])
        assert server.url == f"http://127.0.0.1:{port}/"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((outside, port), timeout=5).close()
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        server.close()


def test_the_control_file_is_private_and_found_while_its_process_lives(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    mine = ControlAddress("abc-1", "http://127.0.0.1:1/", TOKEN, os.getpid())
    path = write_control(runs, mine)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert find_control(runs) == mine
    assert find_control(runs, "abc") == mine
    with pytest.raises(ConfigError, match="no run 'zzz'"):
        find_control(runs, "zzz")
    write_control(runs, ControlAddress("dead-1", "http://127.0.0.1:2/", TOKEN, 2**22 + 1))
    assert find_control(runs) == mine  # a file whose process is gone is not a running run
    remove_control(runs, "abc-1")
    with pytest.raises(ConfigError, match="no running run"):
        find_control(runs)


def test_ctl_commands_reach_the_run_from_its_control_file(
    tmp_path: Path, served: tuple[ControlServer, RunSignal, CancelToken]
) -> None:
    server, control, _ = served
    write_control(tmp_path, ControlAddress("run-1", server.url, TOKEN, os.getpid()))
    address = control_address(tmp_path, run=None, url=None, token=None)
    assert send(address, "pause")["state"] == "PAUSE"
    assert send(address, "status") == {"run_id": "run-1", "state": "PAUSE", "scenario": ""}
    assert send(address, "resume")["state"] == "RUN"
    given = control_address(tmp_path, run=None, url=server.url, token="wrong-token-of-16")
    with pytest.raises(ConfigError, match="refused the token"):
        send(given, "stop")
    assert control.state is RunState.RUN
