"""Who holds a rollback context: its live run, or the one executor rolling it back.

A holder takes an exclusive `flock` on the context directory itself and on `<context>/run.lock`,
and keeps both descriptors open for as long as it holds the context; the kernel drops the
locks when the process dies, however it dies (SIGKILL included). The directory lock is the
one that counts: deleting or replacing `run.lock` cannot make a live run look dead, since
the directory is still locked (`run.lock` stays for undertows that only look at it).
A context neither lock of which is held is dead: its pending version files are stale and
may be rolled back, by one executor at a time. `run.json` records pid, host, start time and
command line for humans; it is read like any journal file (bounded, never blocking).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from undertow import errors
from undertow.rollback import durable, reading
from undertow.rollback.naming import LOCK_FILE, RUN_RECORD

_RETRY_SECONDS = 0.02


@dataclass(frozen=True)
class RunRecord:
    """Who holds (or held) a context."""

    run_id: str
    pid: int
    host: str
    started_at: float
    argv: tuple[str, ...]

    @classmethod
    def current(cls, run_id: str) -> RunRecord:
        return cls(run_id, os.getpid(), socket.gethostname(), time.time(), tuple(sys.argv))

    def as_json(self) -> str:
        return json.dumps(
            {
                "run_id": self.run_id,
                "pid": self.pid,
                "host": self.host,
                "started_at": self.started_at,
                "argv": list(self.argv),
            },
            indent=2,
        )


def read_record(context: Path) -> RunRecord | None:
    """The context's run record, or None if missing, unreadable or not a small regular file."""
    try:
        data = reading.read_regular(context / RUN_RECORD, limit=reading.SMALL_FILE_LIMIT)
        raw: dict[str, Any] = json.loads(data.decode("utf-8"))
        return RunRecord(
            run_id=str(raw["run_id"]),
            pid=int(raw["pid"]),
            host=str(raw["host"]),
            started_at=float(raw["started_at"]),
            argv=tuple(str(a) for a in raw.get("argv", [])),
        )
    except (OSError, ValueError, KeyError, TypeError, RecursionError, errors.JournalError):
        return None


class ContextBusy(errors.JournalError):
    """The context is held by another live run or executor."""


def _open_dir(context: Path) -> int:
    return os.open(context, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


def _open_lock_file(context: Path, *, create: bool) -> int | None:
    """`run.lock` opened without following a symlink or waiting on a FIFO; None if it is
    missing or not a regular file (then only the directory lock tells)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    if create:
        flags |= os.O_CREAT
    try:
        fd = os.open(context / LOCK_FILE, flags, durable.FILE_MODE)
    except OSError:
        return None
    if not reading.is_regular(fd):
        os.close(fd)
        return None
    return fd


def _lock_exclusive(fd: int, wait: float) -> bool:
    """Take an exclusive flock on `fd`, retrying for up to `wait` seconds (a `rollback list`
    may be probing it for a moment)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_RETRY_SECONDS)
        else:
            return True


class ContextLock:
    """Exclusive hold of one context (its directory and `run.lock`) until `release()`.

    Raises ContextBusy, naming the holder, if another process holds it after `wait` seconds.
    """

    def __init__(self, context: Path, *, wait: float = 0.5) -> None:
        self.context = context
        self._fds: list[int] = []
        try:
            self._fds.append(_open_dir(context))
        except OSError as exc:
            raise errors.JournalError(f"cannot open the rollback context {context}: {exc}") from exc
        lock_file = _open_lock_file(context, create=True)
        if lock_file is not None:
            self._fds.append(lock_file)
        for fd in self._fds:
            if not _lock_exclusive(fd, wait):
                self.release()
                raise ContextBusy(f"{context} is in use by {holder(context)}")

    def release(self) -> None:
        for fd in self._fds:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        self._fds = []


class RunLock(ContextLock):
    """The hold a live run keeps on its own context for the life of the run."""

    def __init__(self, context: Path, run_id: str) -> None:
        super().__init__(context)
        record = RunRecord.current(run_id)
        try:
            durable.publish_replace_or_new(context / RUN_RECORD, record.as_json())
        except OSError as exc:
            self.release()
            raise errors.JournalError(f"cannot write {context / RUN_RECORD}: {exc}") from exc
        self.record = record


def _held(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def is_live(context: Path) -> bool:
    """True while some process (a live run, or an executor) holds the context."""
    fds: list[int] = []
    try:
        with contextlib.suppress(OSError):
            fds.append(_open_dir(context))
        lock_file = _open_lock_file(context, create=False)
        if lock_file is not None:
            fds.append(lock_file)
        return any(_held(fd) for fd in fds)
    finally:
        for fd in fds:
            os.close(fd)


def holder(context: Path) -> str:
    """Who holds `context`, for a message: "pid N (command line)" when the kernel says."""
    pid = _lock_owner_pid(context)
    if pid is None:
        return "another process"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        command = " ".join(a.decode("utf-8", "replace") for a in argv)
    except OSError:
        command = ""
    return f"pid {pid} ({command})" if command else f"pid {pid}"


def _lock_owner_pid(context: Path) -> int | None:
    """The pid /proc/locks gives for a flock on the context directory (Linux), or None."""
    try:
        st = os.stat(context, follow_symlinks=False)
        table = Path("/proc/locks").read_text("ascii", "replace")
    except OSError:
        return None
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == device:
            with contextlib.suppress(ValueError):
                return int(fields[4])
    return None
