"""Component processes: start detached, recognise them again later, stop them for sure.

Each component runs in its own session (no systemd, no parent needed: `cluster up` exits and the
components keep running). A pid alone is not trusted after the fact: a process counts as ours only
if /proc/<pid>/exe is still the binary we started, so a recycled pid is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

STOP_GRACE_S = 10.0


def spawn(
    argv: Sequence[str],
    log: Path,
    pid_file: Path,
    *,
    preexec: Callable[[], None] | None = None,
) -> int:
    """Start `argv` in a new session with stdout+stderr appended to `log`; write its pid file.

    `preexec` runs in the child between fork and exec (e.g. to enter a mount namespace); Popen
    returns only once the exec succeeded, so /proc/<pid>/exe is then the component's binary.
    """
    with log.open("ab") as out:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            # Only ctypes syscalls run there (host.kubelet_namespace), nothing that locks.
            preexec_fn=preexec,  # noqa: PLW1509
        )
    pid_file.write_text(f"{proc.pid}\n")
    # The Popen object is dropped on purpose: the component outlives this process.
    # Its exit status is collected by `_reap` (when we are the parent) or by init.
    proc.returncode = 0  # keeps Popen.__del__ from warning about a running child
    return proc.pid


def _reap(pid: int) -> None:
    """Collect the exit status if `pid` is our child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _exe(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    except OSError:
        return None


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def stopped(pid: int) -> bool:
    """True while `pid` is stopped by a signal (SIGSTOP: state T), e.g. a frozen kubelet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def is_running(pid: int, exe: str) -> bool:
    """True while `pid` is alive and still the binary `exe` (not a recycled pid)."""
    _reap(pid)
    return _exe(pid) == exe and not _zombie(pid)


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def stop(pid: int, exe: str, grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM the component's process group, SIGKILL it after `grace_s`, wait until it is gone."""
    if not is_running(pid, exe):
        return
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not is_running(pid, exe):
            return
        time.sleep(0.1)
    _signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while is_running(pid, exe) and time.monotonic() < deadline:
        time.sleep(0.05)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    # start_new_session made the component a group leader: pgid == pid.
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
