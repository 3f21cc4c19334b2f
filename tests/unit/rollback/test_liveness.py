"""A live run is told apart from a dead one by its flock, whatever way it died."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from undertow.rollback import directory
from undertow.rollback.lock import is_live, read_record

HOLDER = """
import sys, time, pathlib
from undertow.rollback.journal import Journal
j = Journal.open(pathlib.Path(sys.argv[1]), "held-run")
j.record("x", {"action": "delete_created", "description": "d", "target": {"api_version": "v1",
    "kind": "ConfigMap", "name": "a", "namespace": "default", "uid": None}, "labels": {}})
print(j.context, flush=True)
time.sleep(60)
"""


def test_live_until_sigkill_then_dead_with_pending_files(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        context = Path(proc.stdout.readline().strip())
        assert is_live(context)
        record = read_record(context)
        assert record is not None and record.pid == proc.pid and record.run_id == "held-run"
        [run] = directory.list_runs(tmp_path)
        assert run.live and directory.stale_runs(tmp_path) == []
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
    deadline = time.monotonic() + 5
    while is_live(context) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_live(context)
    [stale] = directory.stale_runs(tmp_path)
    assert stale.run_id == "held-run" and len(stale.pending) == 1


def test_context_without_lock_file_is_dead(tmp_path: Path) -> None:
    (tmp_path / "1-old").mkdir()
    assert not is_live(tmp_path / "1-old")
