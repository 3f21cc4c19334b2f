"""`undertow run`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from undertow.cli.options import Config, Scenarios, SkipUnsupported, to_path

app = typer.Typer(add_completion=False, rich_markup_mode=None)


@app.command()
def run(
    *,
    config: Config,
    scenario: Scenarios = None,
    skip_unsupported: SkipUnsupported = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Resolve targets and print the plan; change nothing.")
    ] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir", help="Write report.json, junit.xml and report.html here.", metavar="DIR"
        ),
    ] = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option(
            "--kubeconfig",
            help=(
                "Kubeconfig file (default: UNDERTOW_KUBECONFIG, the config's kubeconfig_path, "
                "KUBECONFIG, ~/.kube/config, in-cluster)."
            ),
            metavar="FILE",
        ),
    ] = None,
    context: Annotated[
        str | None, typer.Option("--context", help="Kubeconfig context.", metavar="NAME")
    ] = None,
    versions_dir: Annotated[
        Path | None,
        typer.Option("--versions-dir", help="Rollback versions directory.", metavar="DIR"),
    ] = None,
    auto_rollback: Annotated[
        bool | None,
        typer.Option(
            "--auto-rollback/--no-auto-rollback",
            help="Roll back failed or interrupted scenarios (default: on).",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> int:
    """Run the chaos scenarios of a config: inject, measure recovery, roll back.

    Everything is validated first (exit 2, nothing touched); a scenario type undertow
    does not implement is bad input unless --skip-unsupported. Each change is journaled
    before it is made; a failed, crashed or interrupted scenario is rolled back (unless
    rollback.auto is off). Pending rollbacks of dead earlier runs are reported, and
    rolled back before anything new is injected.

    \b
    Examples:
      undertow run -c config.yaml --dry-run
      undertow run -c config.yaml --report-dir reports/
      undertow run -c config.yaml --scenario pod_disruption_scenarios --kubeconfig kc.yaml

    \b
    Exit codes: 0 passed, 1 a scenario failed, 2 bad input, 3 rollback incomplete,
    130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP) after rollback.
    """
    from undertow.cli.output import (
        console,
        print_ignored,
        print_skipped,
        setup_logging,
        summary_table,
    )
    from undertow.commands import run as commands
    from undertow.commands.validate import validate
    from undertow.config import Overrides

    log = setup_logging(verbose)
    overrides = Overrides(
        kubeconfig=to_path(kubeconfig),
        context=context,
        versions_directory=to_path(versions_dir),
        report_directory=to_path(report_dir),
        auto_rollback=auto_rollback,
    )
    validated = validate(
        config, only=scenario or (), skip_unsupported=skip_unsupported, overrides=overrides
    )
    out = console()
    print_ignored(out, validated.ignored)
    if not validated.plan.jobs or dry_run:
        print_skipped(out, validated.plan.skipped)
    if not validated.plan.jobs:
        out.print("nothing to run: no scenario file of an implemented type is selected")
        return 2
    if dry_run:
        for planned in commands.dry_run(validated, log=log):
            out.print(f"[bold]{planned.job.scenario_type}[/]: {planned.job.file}")
            for line in planned.lines:
                out.print(f"  - {line}", markup=False)  # plan text is data, e.g. undertow[aws]
        out.print("dry run: nothing was changed")
        return 0
    outcome = commands.run(validated, log=log, ask=_ask)
    out.print(summary_table(outcome))
    print_skipped(out, validated.plan.skipped)
    if outcome.rollback.pending:
        from undertow.cli.rollback import print_runs
        from undertow.commands.rollback import rollback_list

        versions_directory = validated.settings.rollback.versions_directory
        out.print(
            f"[yellow]{outcome.rollback.pending} change(s) kept pending (rollback.auto is off);[/] "
            f"undo them with `undertow rollback execute --run {outcome.run_id}`:"
        )
        print_runs(
            rollback_list(versions_directory, run_id=outcome.run_id), versions_directory, out
        )
    for error in outcome.rollback.errors:
        out.print(f"[red]not restored:[/] {error}")
    if outcome.stopped_early:
        out.print(f"stopped early: {outcome.stopped_early}")
    return outcome.exit_code


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return typer.confirm(question, default=False)
