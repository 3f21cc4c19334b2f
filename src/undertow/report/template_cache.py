"""The HTML report's templates, compiled once and kept between runs.

Compiling `report.html.j2` into Python takes Jinja2 about 0.1 s of CPU, in every run that
writes a report. Its compiled code is kept in `templates/` of undertow's cache directory
(UNDERTOW_CACHE_DIR, else $XDG_CACHE_HOME/undertow, else ~/.cache/undertow), one file per
template, checked against the template's source, Jinja2's code format and the Python
version, so a changed template or an upgrade compiles afresh. The directory is private (0700)
and used only when it belongs to this user and no one else can write to it, as the code
is loaded from it; a cache that cannot be read or written costs the compile, never the
report.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any


def cache_directory(env: dict[str, str] | None = None) -> Path:
    """Where the compiled templates are kept."""
    env = dict(os.environ) if env is None else env
    if env.get("UNDERTOW_CACHE_DIR"):
        root = Path(env["UNDERTOW_CACHE_DIR"])
    else:
        root = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "undertow"
    return root / "templates"


def _private(directory: Path) -> bool:
    """The directory exists (made 0700 if not), is this user's, and only theirs to write."""
    with contextlib.suppress(OSError):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        found = os.lstat(directory)
    except OSError:
        return False
    writable_by_others = found.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and not writable_by_others


def bytecode_cache(directory: Path | None = None) -> Any | None:
    """A Jinja2 bytecode cache in `directory` (default: `cache_directory()`), or None when
    it is not private to this user."""
    from jinja2 import FileSystemBytecodeCache
    from jinja2.bccache import Bucket

    class QuietCache(FileSystemBytecodeCache):
        """A cache whose reads and writes may fail: the template is compiled instead."""

        def load_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError):
                super().load_bytecode(bucket)

        def dump_bytecode(self, bucket: Bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    directory = cache_directory() if directory is None else directory
    if not _private(directory):
        return None
    return QuietCache(str(directory), "%s.cache")
