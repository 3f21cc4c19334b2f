"""How long executed version files are kept.

An `.executed` file is history: what was undone, and with what data. A namespace restored
by undertow leaves one per object it recreated, each holding that object's snapshot, Secrets
included. So they are not kept forever: the next `undertow run`, `rollback execute` or
`rollback sweep` deletes those executed more than the retention period ago (default 7 days,
`rollback.executed_retention_days`, `UNDERTOW_ROLLBACK_RETENTION_DAYS`), and then the
context of a dead run that holds nothing else.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from undertow.rollback import durable
from undertow.rollback.directory import list_runs
from undertow.rollback.naming import LOCK_FILE, RUN_RECORD, parse_version_file

DEFAULT_RETENTION_DAYS = 7.0
_DAY = 86400.0


def prune_executed(
    versions_dir: Path, *, retention_days: float, now: float | None = None
) -> list[Path]:
    """Delete executed version files older than `retention_days`; the paths deleted.

    Their age counts from when they were marked executed: the rename that marks them
    sets their inode change time.
    """
    now = time.time() if now is None else now
    pruned: list[Path] = []
    for run in list_runs(versions_dir, include_executed=True):
        for listed in run.executed:
            try:
                stat = listed.path.lstat()
            except FileNotFoundError:
                continue
            if now - max(stat.st_mtime, stat.st_ctime) > retention_days * _DAY:
                durable.remove(listed.path)
                pruned.append(listed.path)
        if not run.live and not run.pending:
            _remove_if_empty(run.path)
    return pruned


def _remove_if_empty(context: Path) -> None:
    """Remove a dead run's context once it holds no version file."""
    if any(parse_version_file(child.name) for child in context.iterdir()):
        return
    for leftover in (LOCK_FILE, RUN_RECORD):
        durable.remove(context / leftover)
    with contextlib.suppress(OSError):  # something else appeared in it: keep it
        context.rmdir()
