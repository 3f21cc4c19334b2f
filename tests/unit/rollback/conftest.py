"""Shared helpers for the journal's unit tests (no cluster)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from undertow.rollback.journal import Journal


@pytest.fixture
def versions_dir(tmp_path: Path) -> Path:
    return tmp_path / "versions"


@pytest.fixture
def journal(versions_dir: Path) -> Iterator[Journal]:
    j = Journal.open(versions_dir, "run-1")
    yield j
    j.close()
