"""Helpers for tests that build or edit a journal by hand.

    sign_version_file(path)   # sign it as undertow would have, with the journal key

undertow refuses a version file without a valid MAC (`undertow.rollback.signing`), so a
test that copies an old file into a rollback context, or edits one to show what the
executor then does, signs it afterwards. Not used by undertow itself.
"""

from __future__ import annotations

from pathlib import Path

from undertow.rollback import signing


def sign_version_file(path: Path, key_path: Path | None = None) -> None:
    """Replace `path`'s MAC line (if any) with a valid one for where it lies now.

    `key_path` defaults to the journal key undertow uses here (UNDERTOW_JOURNAL_KEY, ...).
    """
    key = signing.load_key(key_path)
    text = path.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    if lines and lines[-1].startswith(signing.MAC_PREFIX):
        text = "".join(lines[:-1])
    path.write_text(key.sign(signing.location(path), text), "utf-8")
