"""Detached processes are recognised by pid+binary and stopped for sure; port checks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from undertow.cluster import procs
from undertow.cluster.ports import free_ports, port_in_use, require_free
from undertow.errors import LocalClusterError

SLEEP = os.path.realpath(shutil.which("sleep") or "/bin/sleep")


def test_spawned_process_runs_detached_and_stops(tmp_path: Path) -> None:
    pid = procs.spawn([SLEEP, "300"], tmp_path / "sleep.log", tmp_path / "sleep.pid")
    try:
        assert (tmp_path / "sleep.pid").read_text().strip() == str(pid)
        assert procs.is_running(pid, SLEEP)
        assert os.getsid(pid) == pid  # its own session: it outlives the caller
        assert procs.rss_bytes(pid) > 0
    finally:
        procs.stop(pid, SLEEP, grace_s=5)
    assert not procs.is_running(pid, SLEEP)
    assert procs.rss_bytes(pid) == 0


def test_a_pid_running_another_binary_is_not_ours(tmp_path: Path) -> None:
    pid = procs.spawn([SLEEP, "300"], tmp_path / "sleep.log", tmp_path / "sleep.pid")
    try:
        assert not procs.is_running(pid, "/usr/local/bin/kube-apiserver")
        procs.stop(pid, "/usr/local/bin/kube-apiserver")  # refuses: not the recorded binary
        assert procs.is_running(pid, SLEEP)
    finally:
        procs.stop(pid, SLEEP, grace_s=5)


def test_a_process_stopped_by_a_signal_is_seen_stopped_until_it_continues(
    tmp_path: Path,
) -> None:
    """A frozen component (a kubelet stop in progress) is not taken for a broken one."""
    pid = procs.spawn([SLEEP, "300"], tmp_path / "sleep.log", tmp_path / "sleep.pid")
    try:
        assert not procs.stopped(pid)
        os.kill(pid, signal.SIGSTOP)
        wait_until_true(lambda: procs.stopped(pid))
        assert procs.is_running(pid, SLEEP)
        os.kill(pid, signal.SIGCONT)
        wait_until_true(lambda: not procs.stopped(pid))
    finally:
        procs.stop(pid, SLEEP, grace_s=5)
    assert not procs.stopped(pid)


def wait_until_true(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("never became true")


def test_a_process_ignoring_sigterm_is_killed(tmp_path: Path) -> None:
    sh = os.path.realpath(shutil.which("sh") or "/bin/sh")
    pid = procs.spawn(
        [sh, "-c", "trap '' TERM; while :; do sleep 0.1; done"],
        tmp_path / "stubborn.log",
        tmp_path / "stubborn.pid",
    )
    procs.stop(pid, sh, grace_s=0.5)
    assert not procs.is_running(pid, sh)


def test_free_ports_are_distinct_and_free() -> None:
    ports = free_ports(6)
    assert len(set(ports)) == 6
    assert not any(port_in_use(p) for p in ports)


def test_a_listening_port_is_reported_with_a_remedy() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert port_in_use(port)
        with pytest.raises(LocalClusterError, match=rf"port {port} .*already in use.*ss -ltnp"):
            require_free(port, "kube-apiserver")
    assert not port_in_use(port)
