"""The live-run lock of a rollback context.

While a run is alive it holds an exclusive `flock` on `<context>/run.lock`; the kernel
drops it when the process dies, however it dies (SIGKILL included). `run.json` records
pid, host, start time and command line for humans. A context whose lock can be taken is
dead: its pending version files are stale and may be rolled back.
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
from undertow.rollback import durable
from undertow.rollback.naming import LOCK_FILE, RUN_RECORD


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
    """The context's run record, or None if missing or unreadable."""
    try:
        raw: dict[str, Any] = json.loads((context / RUN_RECORD).read_text("utf-8"))
        return RunRecord(
            run_id=str(raw["run_id"]),
            pid=int(raw["pid"]),
            host=str(raw["host"]),
            started_at=float(raw["started_at"]),
            argv=tuple(str(a) for a in raw.get("argv", [])),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class RunLock:
    """The exclusive lock a live run holds on its context, for the life of the run."""

    def __init__(self, context: Path, run_id: str) -> None:
        path = context / LOCK_FILE
        try:
            self._fd: int | None = os.open(
                path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, durable.FILE_MODE
            )
        except OSError as exc:
            raise errors.JournalError(f"cannot create the run lock {path}: {exc}") from exc
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self._fd)
            self._fd = None
            raise errors.JournalError(f"{context} is in use by another live run") from exc
        record = RunRecord.current(run_id)
        durable.publish_replace_or_new(context / RUN_RECORD, record.as_json())
        self.record = record

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def is_live(context: Path) -> bool:
    """True while some process holds the context's run lock."""
    try:
        fd = os.open(context / LOCK_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False
