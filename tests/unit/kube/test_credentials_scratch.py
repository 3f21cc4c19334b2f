"""The credential dirs the kubernetes client wrote for processes that are gone are removed."""

from __future__ import annotations

import os
from pathlib import Path

from undertow.kube.scratch import remove_dead_credentials
from undertow.undo.k8s_api import CREDENTIALS_PREFIX


def test_only_the_dirs_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f"{CREDENTIALS_PREFIX}999999999-abc"
    mine = tmp_path / f"{CREDENTIALS_PREFIX}{os.getpid()}-def"
    other = tmp_path / "999999999-not-ours"
    for leftover in (dead, mine, other):
        leftover.mkdir(mode=0o700)
        (leftover / "key").write_text("-----BEGIN PRIVATE KEY-----")
    assert remove_dead_credentials(str(tmp_path)) == [str(dead)]
    assert not dead.exists() and mine.exists() and other.exists()
