"""Crash-safe file operations for the journal.

A version file is published with the write-ahead recipe: write a temp file (0600, O_EXCL),
fdatasync it (content and size on disk), hard-link it to its final name, unlink the temp,
fsync the directory. Only then may the cluster change. Names are unique by construction
(strictly increasing nanosecond timestamps per run plus eight random letters); an existing
final name is still never overwritten: `link` fails with EEXIST atomically, where a check
followed by a rename would clobber a file that appeared in between. Replacing the content of
an existing file (`publish_replace`) renames over it on purpose. Removing or renaming a file
afterwards needs no fsync: if a crash loses it, the file reappears and its (idempotent)
undo simply reports "already restored".
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from undertow import errors
from undertow.rollback.naming import EXECUTED_SUFFIX, TEMP_PREFIX
from undertow.rollback.safety import check_dir

FILE_MODE = 0o600
DIR_MODE = 0o700

Content = str | Sequence[bytes]
"""What a file is written with: text (UTF-8), or its bytes in pieces written as they are (a
version file's head, its shared undo code and its MAC line: the code is never copied)."""


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(directory: Path, final_name: str, content: Content) -> Path:
    temp = directory / f"{TEMP_PREFIX}{final_name}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        _write_all(fd, [content.encode("utf-8")] if isinstance(content, str) else content)
        os.fdatasync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    os.close(fd)
    return temp


def _write_all(fd: int, chunks: Sequence[bytes]) -> None:
    """Write every chunk, in order, with as few system calls as the kernel allows."""
    pending = [memoryview(chunk) for chunk in chunks if chunk]
    while pending:
        written = os.writev(fd, pending)
        while pending and written >= len(pending[0]):
            written -= len(pending.pop(0))
        if pending:
            pending[0] = pending[0][written:]


def _nothing() -> None:
    pass


def publish_new(
    directory: Path, name: str, content: Content, *, temp_written: Callable[[], None] = _nothing
) -> Path:
    """Durably create `directory/name` with `content`; FileExistsError if the name is taken.

    The name is claimed by `os.link`, which never replaces an existing entry, so a file that
    appears while ours is being written is left as it is. `temp_written` is called between
    the synced temp file and its link (where the journal's failpoint sits).
    """
    final = directory / name
    temp = _write_temp(directory, name, content)
    try:
        temp_written()
        os.link(temp, final, follow_symlinks=False)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    fsync_dir(directory)
    return final


def publish_replace(path: Path, content: Content) -> None:
    """Durably replace the content of an existing file (atomic: old or new, never half)."""
    temp = _write_temp(path.parent, path.name, content)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_dir(path.parent)


def publish_replace_or_new(path: Path, text: str) -> None:
    """Durably write `path`, whether or not it exists yet."""
    if path.exists():
        publish_replace(path, text)
    else:
        publish_new(path.parent, path.name, text)


def remove(path: Path) -> None:
    """Remove a resolved version file (already gone counts as removed)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def mark_executed(path: Path) -> Path:
    """Rename a version file to `<name>.executed`; returns the new path."""
    if path.name.endswith(EXECUTED_SUFFIX):
        raise errors.JournalError(f"{path} is already marked executed")
    target = path.with_name(path.name + EXECUTED_SUFFIX)
    os.replace(path, target)
    return target


def ensure_private_dir(directory: Path) -> None:
    """Create `directory` (and parents) with mode 0700, or check an existing one is safe."""
    try:
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise errors.JournalError(f"cannot create the directory {directory}: {exc}") from exc
    check_dir(directory)
