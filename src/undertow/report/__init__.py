"""Reports observe the run's events; the core never imports a report format.

`write_reports(directory, events)` writes `report.json`, `junit.xml` and `report.html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from undertow.events import Event
from undertow.report.html import render_html
from undertow.report.json_report import build_report, render_json
from undertow.report.junit import render_junit

__all__ = ["build_report", "render_html", "render_json", "render_junit", "write_reports"]


def write_reports(directory: Path, events: Sequence[Event]) -> list[Path]:
    """Write every report format into `directory` (created if needed); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("report.json", render_json(events)),
        ("junit.xml", render_junit(events)),
        ("report.html", render_html(events)),
    ):
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
