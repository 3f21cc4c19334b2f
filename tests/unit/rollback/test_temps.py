"""Leftover temp files: only undertow's own temp names, only of dead runs, under the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from undertow.rollback.lock import ContextLock
from undertow.rollback.temps import is_temp_name, remove_dead_temps

VERSION = "sleep_1764183451000000000_abcdefgh.py"

HOLDER = """
import pathlib, sys, time
from undertow.rollback.journal import Journal
j = Journal.open(pathlib.Path(sys.argv[1]), "live-run")
(j.context / ".tmp-sleep_1764183451000000000_abcdefgh.py").write_text("being written")
print(j.context, flush=True)
time.sleep(60)
"""


def test_only_the_temp_names_durable_writes_count() -> None:
    assert is_temp_name(f".tmp-{VERSION}")
    assert is_temp_name(f".tmp-{VERSION}.executed")
    assert is_temp_name(".tmp-run.json")
    for other in (VERSION, ".tmp-", ".tmp-notes.txt", ".tmp-run.lock", "tmp-" + VERSION):
        assert not is_temp_name(other), other


def test_dead_runs_temps_removed_and_nothing_else(tmp_path: Path) -> None:
    context = tmp_path / "1764183451000000000-dead"
    context.mkdir()
    for name in (f".tmp-{VERSION}", ".tmp-run.json", VERSION, ".tmp-notes.txt"):
        (context / name).write_text("x")
    elsewhere = tmp_path / "not-a-context"
    elsewhere.mkdir()
    (elsewhere / f".tmp-{VERSION}").write_text("x")
    os.symlink(tmp_path / "target", context / f".tmp-other_{VERSION}")

    removed = remove_dead_temps(tmp_path)

    assert sorted(p.name for p in removed) == sorted([f".tmp-{VERSION}", ".tmp-run.json"])
    left = sorted(p.name for p in context.iterdir())
    assert left == sorted([".tmp-notes.txt", f".tmp-other_{VERSION}", VERSION, "run.lock"])
    assert (elsewhere / f".tmp-{VERSION}").exists()


def test_context_held_by_an_executor_is_left_alone(tmp_path: Path) -> None:
    context = tmp_path / "1764183451000000000-held"
    context.mkdir()
    (context / f".tmp-{VERSION}").write_text("x")
    lock = ContextLock(context)
    try:
        assert remove_dead_temps(tmp_path) == []
    finally:
        lock.release()
    assert [p.name for p in remove_dead_temps(tmp_path)] == [f".tmp-{VERSION}"]


def test_live_runs_temp_kept_until_it_dies(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        context = Path(proc.stdout.readline().strip())
        assert remove_dead_temps(tmp_path) == []
        assert (context / f".tmp-{VERSION}").exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()
    assert [p.name for p in remove_dead_temps(tmp_path)] == [f".tmp-{VERSION}"]
