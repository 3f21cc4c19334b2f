"""report.pdf: report.html printed by headless Chromium (Krkn's `generate_pdf_report`).

The page is self-contained, so Chromium loads nothing but the file. Without Chromium the
run goes on and says how to install it: a missing PDF never changes a run's verdict.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from undertow.errors import UndertowError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = "install Chromium (Debian: apt-get install chromium)"
TIMEOUT_SECONDS = 120.0


class PdfUnavailable(UndertowError):
    """Chromium is missing or could not print the page."""


def find_chromium() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name)) is not None), None)


def headless(chromium: str, profile: Path | str) -> list[str]:
    """The start of a command line that runs Chromium headless and offline, with its own
    profile directory (the page and what to do with it follow)."""
    return [
        chromium,
        "--headless",
        "--no-sandbox",  # undertow may run as root (in a container); the page is ours
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ]


def print_pdf(html: Path, pdf: Path | None = None) -> Path:
    """Print `html` to `pdf` (default: beside it, report.pdf); return the PDF's path."""
    chromium = find_chromium()
    if chromium is None:
        raise PdfUnavailable(
            f"headless Chromium was not found ({', '.join(BROWSERS)}): {INSTALL_HINT}"
        )
    target = pdf if pdf is not None else html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="undertow-chromium-") as profile:
        try:
            done = subprocess.run(
                [
                    *headless(chromium, profile),
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={target}",
                    html.absolute().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"{chromium} could not print {html}: {exc}") from exc
    if done.returncode != 0 or not target.is_file():
        tail = done.stderr.strip().splitlines()[-3:]
        raise PdfUnavailable(f"{chromium} could not print {html}: {' / '.join(tail)}")
    return target
