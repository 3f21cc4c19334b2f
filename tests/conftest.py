"""Suite-wide setup: version files are signed with a key of the test session's own.

The journal key (`undertow.rollback.signing`) defaults to ~/.config/undertow/journal.key;
the suite points UNDERTOW_JOURNAL_KEY at a fresh temporary file instead, so no test reads or
creates the user's key. Subprocesses (`undertow ...`, crash drivers) inherit it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from undertow.config.settings import JOURNAL_KEY_ENV as KEY_ENV


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get(KEY_ENV):
        return
    directory = Path(tempfile.mkdtemp(prefix="undertow-test-key-"))
    os.environ[KEY_ENV] = str(directory / "journal.key")
