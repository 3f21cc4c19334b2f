"""The one way the journal reads a file it did not just write: bounded, non-blocking, linear.

Anything may sit in the versions dir under a journal name: a FIFO (an `open` that never
returns), a symlink to `/dev/zero` (a read that never ends), a file of gigabytes. So a file
is opened with `O_NOFOLLOW | O_NONBLOCK` (a symlink fails at once, a FIFO opens without
waiting), `fstat` on the open descriptor must show a regular file no larger than the limit,
and it is read in chunks up to the limit (linear time, at most `limit` bytes held).
The checks run on the descriptor, so the file cannot be swapped between check and read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

from undertow import errors

VERSION_FILE_LIMIT = 16 * 1024 * 1024
"""Largest version file undertow reads (an object snapshot is at most ~1.5 MiB in etcd)."""
SMALL_FILE_LIMIT = 64 * 1024
"""Largest run.json or journal key undertow reads."""
_CHUNK = 1024 * 1024

Check = Callable[[os.stat_result], None]
"""A check of the open file's stat (owner, mode) that raises TamperedVersionFile."""


def read_regular(
    path: Path,
    *,
    limit: int,
    follow_symlinks: bool = False,
    check: Check | None = None,
) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them.

    Raises errors.TamperedVersionFile naming `path` for a symlink (unless `follow_symlinks`),
    anything but a regular file, or a file over `limit`; `check` gets the descriptor's stat
    first (ownership and mode checks). OSError (missing, unreadable) passes through.
    """
    fd, _ = _open_checked(path, limit=limit, follow_symlinks=follow_symlinks, check=check)
    try:
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise errors.TamperedVersionFile(_too_large(path, limit))
    finally:
        os.close(fd)


def read_ends(
    path: Path, *, start: Callable[[int], int], end: int, limit: int, check: Check | None = None
) -> tuple[bytes, bytes, int]:
    """The first `start(size)` and the last `end` bytes of the regular file `path` (fewer if
    it is smaller), and its size, with `read_regular`'s checks: what listing reads of a
    version file, whose middle is the undo code every file shares."""
    fd, st = _open_checked(path, limit=limit, follow_symlinks=False, check=check)
    size = st.st_size
    try:
        first = os.pread(fd, max(0, min(start(size), size)), 0)
        last = os.pread(fd, min(end, size), max(0, size - end))
    finally:
        os.close(fd)
    return first, last, size


def _open_checked(
    path: Path, *, limit: int, follow_symlinks: bool, check: Check | None
) -> tuple[int, os.stat_result]:
    """`path` opened for reading, and its stat, after the descriptor's checks."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise errors.TamperedVersionFile(f"{path} is a symlink; refused") from exc
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise errors.TamperedVersionFile(f"{path} is not a regular file; refused")
        if check is not None:
            check(st)
        if st.st_size > limit:
            raise errors.TamperedVersionFile(_too_large(path, limit))
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _too_large(path: Path, limit: int) -> str:
    return f"{path} is larger than {limit // 1024} KiB, more than undertow ever writes; refused"


def is_regular(fd: int) -> bool:
    """True if the open descriptor `fd` is a regular file."""
    return stat.S_ISREG(os.fstat(fd).st_mode)
