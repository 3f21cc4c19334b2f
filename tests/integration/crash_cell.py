"""One cell of a crash matrix: a real `undertow run` of one scenario file, SIGKILLed at a
failpoint of the journal protocol (undertow.failpoints), then the `undertow rollback execute`
runs that must restore what it changed.

`CrashCell.kill_then_restore(point)` drives the whole cell and checks what the journal must
hold at each step. Each `rollback execute` is checked to undo exactly the entries pending
before it, each once: its summary line counts the entries it ran, and exactly those files
are `.executed` afterwards. An entry undone twice (by two commands, or twice by one) fails
the cell; so does an entry left pending or a temp file left behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from undertow import failpoints
from undertow.rollback import directory

UNDO_FAILPOINTS = {"executor.before_undo", "executor.after_undo"}
"""Failpoints inside an undo: the run dies in its own clean-up or rollback, and so does the
first `rollback execute` armed with the same failpoint."""
NOT_YET_JOURNALED = {"journal.before_write", "journal.temp_written"}
"""Where the run dies before its first version file is published: nothing is pending."""


def executed_count(done: subprocess.CompletedProcess[str]) -> int:
    """How many entries a `rollback execute` ran, from its summary line."""
    [summary] = [line for line in done.stdout.splitlines() if line.startswith("rollback: ")]
    return sum(int(n) for n in re.findall(r"(\d+) (?!refused)", summary))


class CrashCell:
    """The files and the undertow commands of one cell, in its own state dir."""

    def __init__(self, tmp_path: Path, kubeconfig: str, scenario_type: str, scenario: str) -> None:
        self.tmp = tmp_path
        self.kubeconfig = kubeconfig
        self.versions = tmp_path / "versions"
        (tmp_path / "s.yaml").write_text(scenario)
        self.config = tmp_path / "config.yaml"
        self.config.write_text(
            f"kraken:\n  chaos_scenarios:\n    - {scenario_type}: [s.yaml]\n"
            "tunings: {wait_duration: 0}\n"
        )
        self.undone: list[str] = []
        """The version files `rollback execute` marked executed, in the order it did."""

    def undertow(self, *args: str, armed: str = "") -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "XDG_STATE_HOME": str(self.tmp / "state"),
            failpoints.ENV_VAR: armed,
        }
        return subprocess.run(
            [sys.executable, "-m", "undertow", *args, "--kubeconfig", self.kubeconfig],
            env=env,
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )

    def run(self, armed: str) -> subprocess.CompletedProcess[str]:
        return self.undertow(
            "run", "-c", str(self.config), "--versions-dir", str(self.versions), armed=armed
        )

    def rollback(self, armed: str = "") -> subprocess.CompletedProcess[str]:
        return self.undertow(
            "rollback", "execute", "--versions-dir", str(self.versions), "--yes", armed=armed
        )

    def pending(self) -> list[directory.ListedFile]:
        return [f for run in directory.list_runs(self.versions) for f in run.pending]

    def executed(self) -> set[str]:
        runs = directory.list_runs(self.versions, include_executed=True)
        return {f.path.name.removesuffix(".executed") for run in runs for f in run.executed}

    def rollback_each_once(self) -> subprocess.CompletedProcess[str]:
        """An unarmed `rollback execute`, checked to undo each pending entry exactly once."""
        before = {f.path.name for f in self.pending()}
        executed_before = self.executed()
        done = self.rollback()
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        assert executed_count(done) == len(before), output
        newly = self.executed() - executed_before
        assert newly == before, (newly, before, output)
        self.undone.extend(sorted(newly))
        assert len(self.undone) == len(set(self.undone)), self.undone
        return done

    def kill_then_restore(
        self, point: str, killed: Callable[[list[directory.ListedFile]], None] | None = None
    ) -> None:
        """SIGKILL the run at `point`, call `killed(pending files)` (the caller's checks of
        the state the kill left), then `rollback execute` until nothing is pending; the
        caller compares the cluster with its snapshot from before the run."""
        died = self.run(armed=point)
        assert died.returncode == -signal.SIGKILL, died.stdout + died.stderr
        pending = self.pending()
        if point in NOT_YET_JOURNALED:
            assert pending == [], pending
        else:
            assert pending, f"nothing pending after a kill at {point}"
        if killed is not None:
            killed(pending)
        if point in UNDO_FAILPOINTS:
            again = self.rollback(armed=point)
            assert again.returncode == -signal.SIGKILL, again.stdout + again.stderr
            assert self.pending(), "the killed `rollback execute` resolved everything"
        self.rollback_each_once()
        assert self.pending() == []
        assert sorted(self.versions.rglob(".tmp-*")) == []
