"""Leftover temp files of dead runs: a run killed between writing a version file's temp copy
and publishing it (failpoint `journal.temp_written`) leaves `.tmp-<version file>` behind.

Such a file was never published, so the change it describes was never made: it is safe to
delete. Only undertow's own temp names are touched (`.tmp-` followed by a version-file name
or `run.json`), only regular files owned by this user, only in contexts no live process
holds, and only while this process holds the context itself (`lock.ContextLock`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from undertow import errors
from undertow.rollback.lock import ContextLock, is_live
from undertow.rollback.naming import RUN_RECORD, TEMP_PREFIX, parse_context, parse_version_file


def is_temp_name(name: str) -> bool:
    """True for the names `durable` gives temp copies, and for nothing else."""
    if not name.startswith(TEMP_PREFIX):
        return False
    published = name.removeprefix(TEMP_PREFIX)
    return published == RUN_RECORD or parse_version_file(published) is not None


def _own_regular_file(path: Path) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.getuid()


def _temps(context: Path) -> list[Path]:
    try:
        names = [entry.name for entry in os.scandir(context)]
    except OSError:
        return []
    return sorted(context / n for n in names if is_temp_name(n))


def remove_dead_temps(versions_dir: Path) -> list[Path]:
    """Delete the leftover temp files of every dead run in `versions_dir`; the removed paths.

    A context held by a live run or another executor is left alone (its temp files may be
    in the middle of being published)."""
    try:
        children = list(os.scandir(versions_dir))
    except OSError:
        return []
    removed: list[Path] = []
    for child in children:
        context = Path(child.path)
        if not parse_context(child.name) or not child.is_dir(follow_symlinks=False):
            continue
        if not _temps(context) or is_live(context):
            continue
        try:
            lock = ContextLock(context, wait=0)
        except errors.JournalError:  # held meanwhile (ContextBusy), or gone
            continue
        try:
            for temp in _temps(context):
                if _own_regular_file(temp):
                    temp.unlink(missing_ok=True)
                    removed.append(temp)
        finally:
            lock.release()
    return removed
