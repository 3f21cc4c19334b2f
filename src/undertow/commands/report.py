"""`undertow report show`: a run's report.json, read back into the view the HTML page uses.

A run is named by its report directory (or report.json), or by its id: every run keeps a
copy of its report.json in its state directory (`<runs dir>/<run id>/report.json`), so a
run whose reports went nowhere can still be shown. No cluster is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from undertow.errors import ConfigError, ConfigIssue
from undertow.events import Event
from undertow.report.timeline import RunView, build_view

REPORT_NAME = "report.json"


def find_report(target: str, runs_directory: Path) -> Path:
    """report.json of a report directory, the file itself, or the run whose id starts so."""
    path = Path(target).expanduser()
    if path.is_dir() and (path / REPORT_NAME).is_file():
        return path / REPORT_NAME
    if path.is_file():
        return path
    candidates = (
        sorted(runs_directory.glob(f"{target}*/{REPORT_NAME}")) if runs_directory.is_dir() else []
    )
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        ids = ", ".join(found.parent.name for found in candidates)
        message = f"several runs start with {target!r} ({ids}): give more of the id"
    else:
        message = (
            f"no report directory, report.json or run id {target!r} (runs keep their "
            f"report.json in {runs_directory})"
        )
    raise ConfigError([ConfigIssue(target, "", message)])


def load_report(path: Path) -> RunView:
    """The run as the HTML report sees it, rebuilt from the events report.json keeps."""
    try:
        document: Any = json.loads(path.read_text(encoding="utf-8"))
        events = [
            Event(
                kind=str(item["kind"]),
                message=str(item.get("message", "")),
                scenario=str(item.get("scenario", "")),
                time=float(item["time"]),
                data=dict(item.get("data") or {}),
            )
            for item in document["events"]
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            [ConfigIssue(str(path), "events", f"not a report.json undertow wrote: {exc}")]
        ) from exc
    return build_view(events)
