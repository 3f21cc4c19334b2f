"""Ownership and permission checks on the journal, before anything in it is trusted.

A version file describes a cluster change that undertow will undo with the user's
credentials, so a file someone else could have written is refused: it must be owned by
the current user and not group/world-writable, and so must every directory it sits in
(the context directory and the versions directory).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from undertow import errors

_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


def _problem(st: os.stat_result, path: Path, what: str) -> str | None:
    """Why `path` (described by `st`) could have been written by someone else, or None."""
    if st.st_uid != os.geteuid():
        return f"{what} {path} is owned by uid {st.st_uid}, not by you (uid {os.geteuid()})"
    if st.st_mode & _WRITABLE_BY_OTHERS:
        mode = stat.S_IMODE(st.st_mode)
        return f"{what} {path} is writable by group or others (mode {mode:04o})"
    return None


def _check(path: Path, is_kind: Callable[[int], bool], kind: str, what: str, remedy: str) -> None:
    """Raise TamperedVersionFile unless `path` is a real `kind` (no symlink) only we can write;
    `what` names it in the message, `remedy` ends it."""
    st = path.lstat()
    if not is_kind(st.st_mode):
        raise errors.TamperedVersionFile(f"{path} is not a {kind} (a symlink?); refused")
    problem = _problem(st, path, what)
    if problem is not None:
        raise errors.TamperedVersionFile(f"{problem}; refused{remedy}")


def check_dir(directory: Path) -> None:
    """Raise TamperedVersionFile unless `directory` is a real directory only we can write."""
    _check(directory, stat.S_ISDIR, "directory", "directory", f". Fix with: chmod go-w {directory}")


def file_checker(path: Path) -> Callable[[os.stat_result], None]:
    """A check for `reading.read_regular`: raise TamperedVersionFile unless the open file
    `path` is owned by us and writable by no one else."""

    def check(st: os.stat_result) -> None:
        problem = _problem(st, path, "version file")
        if problem is not None:
            raise errors.TamperedVersionFile(f"{problem}; refused, nothing in it was run")

    return check
