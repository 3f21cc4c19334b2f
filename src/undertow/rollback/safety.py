"""Ownership and permission checks on the journal, before anything in it is trusted.

A version file describes a cluster change that undertow will undo with the user's
credentials, so a file someone else could have written is refused: it must be owned by
the current user and not group/world-writable, and so must every directory it sits in
(the context directory and the versions directory).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from undertow import errors

_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


def _problem(path: Path, st: os.stat_result, what: str) -> str | None:
    if st.st_uid != os.geteuid():
        return f"{what} {path} is owned by uid {st.st_uid}, not by you (uid {os.geteuid()})"
    if st.st_mode & _WRITABLE_BY_OTHERS:
        mode = stat.S_IMODE(st.st_mode)
        return f"{what} {path} is writable by group or others (mode {mode:04o})"
    return None


def check_dir(directory: Path) -> None:
    """Raise TamperedVersionFile unless `directory` is a real directory only we can write."""
    st = directory.lstat()
    if not stat.S_ISDIR(st.st_mode):
        raise errors.TamperedVersionFile(f"{directory} is not a directory (a symlink?); refused")
    problem = _problem(directory, st, "directory")
    if problem:
        raise errors.TamperedVersionFile(f"{problem}; refused. Fix with: chmod go-w {directory}")


def check_file(path: Path) -> None:
    """Raise TamperedVersionFile unless `path` is a regular file only we can write."""
    st = path.lstat()
    if not stat.S_ISREG(st.st_mode):
        raise errors.TamperedVersionFile(f"{path} is not a regular file (a symlink?); refused")
    problem = _problem(path, st, "version file")
    if problem:
        raise errors.TamperedVersionFile(
            f"{problem}; refused, nothing in it was run. Inspect it; if you trust it, "
            f"run it by hand with: python {path}"
        )
