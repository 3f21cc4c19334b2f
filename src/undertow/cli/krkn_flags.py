"""Krkn's `run_kraken.py` flags on `undertow run`: `-o/--output` (the run's log, also written
to FILE), `--junit-testcase NAME --junit-testcase-path DIR [--junit-testcase-version V]`
(Krkn's one-test-case JUnit file) and `-r/--run_uuid` (the run's id). Checked before
anything runs: a mistake is bad input naming the flag (exit 2).
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from undertow.cli.output import LOG_FORMAT
from undertow.errors import ConfigError, ConfigIssue, JournalError
from undertow.report.krkn_junit import render_krkn_junit, write_krkn_junit
from undertow.rollback.naming import check_run_id

WHERE = "command line"


@dataclass(frozen=True)
class KrknJunit:
    name: str
    directory: Path
    version: str | None = None


@dataclass
class Verdict:
    """The run's exit code once known; None when it ended with an error."""

    code: int | None = None


def check_flags(
    *, name: str | None, path: Path | None, version: str | None, run_id: str | None
) -> KrknJunit | None:
    """Krkn's rules for the JUnit flags, and a run id that can name a rollback context."""
    issues: list[ConfigIssue] = []
    if path is not None and not name:
        issues.append(ConfigIssue(WHERE, "--junit-testcase-path", "needs --junit-testcase NAME"))
    if name and path is None:
        issues.append(ConfigIssue(WHERE, "--junit-testcase", "needs --junit-testcase-path DIR"))
    if path is not None and not (path.is_dir() and os.access(path, os.W_OK)):
        what = "is not a directory" if not path.is_dir() else "is not writable"
        issues.append(ConfigIssue(WHERE, "--junit-testcase-path", f"{path} {what}"))
    if run_id is not None:
        try:
            check_run_id(run_id)
        except JournalError as exc:
            issues.append(ConfigIssue(WHERE, "--run_uuid", str(exc)))
    if issues:
        raise ConfigError(issues)
    if name and path is not None:
        return KrknJunit(name, path, version)
    return None


@contextmanager
def krkn_outputs(output: Path | None, junit: KrknJunit | None) -> Iterator[Verdict]:
    """Tee the log into `output`; write Krkn's JUnit file when the run ends, however."""
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    if output is not None:
        handlers.append(logging.FileHandler(output, mode="w", encoding="utf-8"))
    captured = io.StringIO()
    if junit is not None:
        handlers.append(logging.StreamHandler(captured))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    verdict = Verdict()
    start = time.monotonic()
    try:
        yield verdict
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        if junit is not None:
            text = render_krkn_junit(
                passed=verdict.code == 0,
                seconds=int(time.monotonic() - start),
                name=junit.name,
                output=captured.getvalue(),
                version=junit.version,
            )
            path = write_krkn_junit(junit.directory, text, epoch=int(time.time()))
            logging.getLogger("undertow").info("junit test case written: %s", path)
