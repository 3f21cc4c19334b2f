"""`undertow report show`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from undertow.report.timeline import RunView

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Show a finished run's report in the terminal.",
)


@app.callback()
def report() -> None:
    """Show a finished run's report in the terminal."""


@app.command()
def show(
    run: Annotated[
        str,
        typer.Argument(
            help="A report directory, its report.json, or a run id (a prefix will do).",
            metavar="RUN_DIR|RUN_ID",
        ),
    ],
) -> None:
    """Print a run's summary: verdict, scenarios, rollback, health, alerts, score.

    A run id is looked up in $XDG_STATE_HOME/undertow/runs, where every run keeps its
    report.json. No cluster is needed; exit 2 when nothing matches.

    \b
    Examples:
      undertow report show reports/
      undertow report show 3f2a
    """
    import os

    from undertow.cli.output import console
    from undertow.commands.report import find_report, load_report
    from undertow.config.settings import default_runs_directory

    path = find_report(run, default_runs_directory(os.environ))
    _print(console(), load_report(path), str(path))


def _print(out: Console, view: RunView, source: str) -> None:
    from rich.table import Table

    from undertow.report.html import format_duration, format_time

    code = "none" if view.exit_code is None else str(view.exit_code)
    out.print(
        f"run {view.run_id}: {view.verdict} (exit code {code}: {view.exit_meaning})", markup=False
    )
    out.print(
        f"started {format_time(view.started_at)}, took {format_duration(view.duration)}; {source}",
        markup=False,
    )
    table = Table("#", "scenario", "file", "status", "time", "rollback")
    for index, s in enumerate(view.scenarios, 1):
        table.add_row(
            str(index),
            s.scenario_type,
            s.file,
            s.status,
            format_duration(s.duration),
            s.rollback_text,
        )
    out.print(table)
    for index, s in enumerate(view.scenarios, 1):
        for line in filter(None, [s.error or s.summary, *_judged(s.judged)]):
            out.print(f"{index}. {line}", markup=False, soft_wrap=True)
    if view.resiliency:
        out.print(f"resiliency score: {view.resiliency.get('score')}/100", markup=False)
    if view.stopped_early:
        out.print(f"stopped early: {view.stopped_early}", markup=False)
    for warning in view.warnings:
        out.print(f"warning: {warning}", markup=False)


def _judged(judged: Mapping[str, Any]) -> list[str]:
    """One short line per health target, per alert that fired, per SLO that failed, and the
    score."""
    lines = []
    for target in judged.get("health") or ():
        down = float(target.get("downtime") or 0)
        lines.append(f"health {target.get('target')}: " + (f"down {down:.2f} s" if down else "up"))
    for alert in judged.get("alerts") or ():
        if alert.get("fired") or alert.get("error"):
            what = "fired" if alert.get("fired") else "not evaluated"
            lines.append(f"alert {alert.get('severity')} {what}: {alert.get('description')}")
    for slo in judged.get("slos") or ():
        if not slo.get("passed"):
            what = "failed" if slo.get("fired") else "not evaluated"
            lines.append(f"slo {slo.get('severity')} {what}: {slo.get('description')}")
    score = judged.get("resiliency")
    if isinstance(score, dict):
        lines.append(f"score {score.get('score')}/100")
    return lines
