"""Terminal output shared by the commands: consoles, the ignored and skipped lists, the
summary table, the log."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from undertow.runner import RunOutcome, SkippedFile


_PIPED_WIDTH = 160


def console(*, stderr: bool = False) -> Console:
    """A console; when output goes to a file or pipe (CI logs), wide enough for tables."""
    from rich.console import Console

    out = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not out.is_terminal:
        out.width = max(out.width, _PIPED_WIDTH)
    return out


def _shown_path(path: str) -> str:
    """A scenario file relative to the working directory when it lies under it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def print_ignored(out: Console, ignored: Sequence[str]) -> None:
    """Said once per run: everything in the input undertow will not act on."""
    if ignored:
        out.print(f"[yellow]ignored:[/] {'; '.join(ignored)}", markup=True)


def print_skipped(out: Console, skipped: Sequence[SkippedFile]) -> None:
    """One line per file skipped on request (--skip-unsupported), with the config entry."""
    for item in skipped:
        ref = item.ref
        out.print(
            f"skip  {ref.declared_type}: {ref.written} ({item.reason}; {item.where})", markup=False
        )


def print_findings(out: Console, outcome: RunOutcome, *, strict: bool) -> None:
    """One line per finding (a problem Krkn never checks), and what it did to the verdict."""
    for run in outcome.runs:
        for finding in run.findings:
            out.print(f"finding  {run.scenario_type}: {run.file}: {finding}", markup=False)
    if any(run.findings for run in outcome.runs):
        out.print(
            "findings failed their scenarios (strict)"
            if strict
            else "findings are reported only, as Krkn does not check them; --strict fails on them"
        )


def print_judging(out: Console, outcome: RunOutcome) -> None:
    """Health targets, Cerberus, alerts that fired, SLOs that failed and resiliency scores:
    one line each, after the table."""
    import time

    for run in outcome.runs:
        where = f"{run.scenario_type}: {_shown_path(run.file)}"
        for target in run.health:
            line = f"health  {where}: {target.target}: {target.samples} samples"
            if target.first_failure is not None:
                at = time.strftime("%H:%M:%S", time.localtime(target.first_failure))
                line += (
                    f", down {target.downtime:.1f}s (first failure {at}: "
                    f"{target.first_failure_detail})"
                )
                line += (
                    f", recovered in {target.time_to_recover:.1f}s"
                    if target.time_to_recover is not None
                    else ", NOT recovered"
                )
            else:
                line += ", never down"
            out.print(line, markup=False)
        if run.cerberus is not None:
            verdict = "go" if run.cerberus.go else f"no-go: {run.cerberus.reason}"
            out.print(f"cerberus  {where}: {verdict}", markup=False)
        for alert in run.alerts:
            if alert.fired or alert.error:
                state = f"fired: {alert.description}" if alert.fired else alert.error
                out.print(f"alert {alert.severity}  {where}: {state}", markup=False)
        for slo in run.slos:
            if not slo.passed:
                state = f"failed: {slo.description}" if slo.fired else slo.error
                out.print(f"slo {slo.severity}  {where}: {state}", markup=False)
        if run.score is not None:
            lost = f" (lost: {', '.join(run.score.lost)})" if run.score.lost else ""
            out.print(f"resiliency  {where}: {run.score.value}/100{lost}", markup=False)
    if outcome.score is not None:
        out.print(f"resiliency score: {outcome.score.value}/100")


def summary_table(outcome: RunOutcome) -> object:
    from rich.table import Table

    table = Table(title=f"run {outcome.run_id}", show_lines=False)
    for column in ("#", "scenario", "file", "result", "time", "rollback", "details"):
        table.add_column(column, overflow="fold")
    styles = {"passed": "green", "failed": "red", "error": "red", "interrupted": "yellow"}
    for run in outcome.runs:
        tally = run.rollback
        parts = [
            f"{count} {label}"
            for count, label in (
                (tally.cleaned_up, "undone by the scenario"),
                (tally.restored, "restored"),
                (tally.already_restored, "already restored"),
                (tally.conflicts, "conflict"),
                (tally.failed, "FAILED"),
                (tally.pending, "kept pending"),
            )
            if count
        ]
        table.add_row(
            str(run.iteration),
            run.scenario_type,
            _shown_path(run.file),
            f"[{styles[run.status]}]{run.status}[/]",
            f"{run.duration:.1f}s",
            ", ".join(parts) or "-",
            run.error or run.summary,
        )
    return table


def verdict(outcome: RunOutcome) -> str:
    """The run's last line: how it ended, what was undone, what is left and where to see it."""
    import signal

    from undertow import exit_codes

    code, tally = outcome.exit_code, outcome.rollback
    undone = tally.cleaned_up + tally.restored + tally.already_restored
    left = tally.conflicts + tally.failed + tally.pending
    failed = sum(not run.passed for run in outcome.runs)
    if code == exit_codes.ROLLBACK_INCOMPLETE:
        head = "rollback incomplete"
    elif outcome.signal is not None:
        head = f"interrupted by {signal.Signals(outcome.signal).name}"
    elif code == exit_codes.BAD_INPUT:
        bad = next(run for run in outcome.runs if run.bad_input)
        head = f"bad input, nothing after it was run: {bad.error}"
    elif code == exit_codes.FAILED:
        head = f"failed: {failed} of {len(outcome.runs)} scenario run(s)"
        head += f" ({outcome.stopped_early})" if outcome.stopped_early else ""
    else:
        head = f"passed: {len(outcome.runs)} scenario run(s)"
    kept = (
        f"{left} left pending (`undertow rollback list --run {outcome.run_id}`)"
        if left
        else "nothing left pending"
    )
    return f"{head}; {undone} change(s) undone, {kept}"


LOG_FORMAT = "%(asctime)s [%(levelname)s] %(message)s"
"""Krkn's log line: the log on a file or pipe, and the `--output` file."""


def setup_logging(verbose: bool) -> logging.Logger:
    """undertow's log on stderr (debug with --verbose); the client libraries' only on errors.

    A terminal gets rich's columns; a file or pipe (CI logs) gets plain lines in Krkn's format,
    which also costs ~50x less per record than rich's layout (a kill of 1,000 pods logs 2,000)."""
    err = console(stderr=True)
    handler: logging.Handler
    if err.is_terminal:
        from rich.logging import RichHandler

        handler = RichHandler(console=err, show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True
    )
    for noisy in ("kubernetes", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    return logging.getLogger("undertow")
