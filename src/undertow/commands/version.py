"""`undertow version`: this install's version and what it runs on."""

from __future__ import annotations

import platform
from importlib import metadata

from undertow import __version__


def version_info() -> dict[str, str]:
    """Versions read from package metadata: nothing heavy is imported."""

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "undertow": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "kubernetes client": installed("kubernetes"),
        "pydantic": installed("pydantic"),
    }
