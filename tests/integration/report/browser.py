"""What the report tests that open a real browser share: finding the tools they need."""

from __future__ import annotations

import os

import pytest


def require(tool: str | None, what: str) -> str:
    """The tool's path; else the test fails in CI (which must provide it) or is skipped."""
    if tool is not None:
        return tool
    message = f"{what} is not installed (./scripts/install-node-packages chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must provide it")
    pytest.skip(message)
