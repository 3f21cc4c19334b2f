"""Running the `undertow` command as a user would, in a subprocess."""

from __future__ import annotations

import subprocess
import sys


def undertow(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "undertow", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
