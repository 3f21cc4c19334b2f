"""Altering the data of a real version file, as someone who can write the versions dir.

The one place the tests rewrite a version file. The file is first written by the journal's
own writer; only its `UNDO` data is changed here, and the file is rendered again by the
template, so its code part stays byte for byte undertow's. Whatever else binds a file to
its run is redone here too (the MAC, signed with the test session's journal key): the
tests then reach the undo verbs' own checks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from undertow.rollback import signing, template
from undertow.testing import sign_version_file


def alter_undo(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite `path` with `change` applied to its undo data (in place, mode 0600)."""
    signed = path.read_text("utf-8")
    body = signed[: signed.rindex(signing.MAC_PREFIX)]  # the MAC line is redone below
    data = template.parse(body)
    change(data)
    altered = path.with_name(f".altered-{path.name}")
    altered.write_text(template.render(data), "utf-8")
    altered.chmod(0o600)
    os.replace(altered, path)
    sign_version_file(path)
