"""The dir where the kubernetes client may write credentials while undertow loads them."""

from __future__ import annotations

import os
from pathlib import Path

from undertow.kube.scratch import credentials_scratch


def test_the_scratch_dir_is_private_and_loses_dead_processes_leftovers(tmp_path: Path) -> None:
    root = tmp_path / "undertow" / "credentials"
    root.mkdir(parents=True, mode=0o755)
    dead, mine = root / "999999999-abc", root / f"{os.getpid()}-def"
    for leftover in (dead, mine):
        leftover.mkdir()
        (leftover / "key").write_text("-----BEGIN PRIVATE KEY-----")
    assert credentials_scratch({"XDG_STATE_HOME": str(tmp_path)}) == root
    assert (root.stat().st_mode & 0o777) == 0o700
    assert not dead.exists() and mine.exists()
