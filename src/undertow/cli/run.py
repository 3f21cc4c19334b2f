"""`undertow run`."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from undertow import exit_codes
from undertow.cli.exit_codes import ExitCodes, ExitScheme
from undertow.cli.options import Config, Scenarios, SkipUnsupported, to_path
from undertow.config import Overrides
from undertow.errors import ConfigError, ConfigIssue

if TYPE_CHECKING:
    from rich.console import Console

    from undertow.runner import RunOutcome
    from undertow.runner.guardian import GuardianMode

app = typer.Typer(add_completion=False, rich_markup_mode=None)


class GuardianChoice(StrEnum):
    required = "required"
    optional = "optional"
    off = "off"


@app.command()
def run(
    ctx: typer.Context,
    *,
    config: Config,
    scenario: Scenarios = None,
    skip_unsupported: SkipUnsupported = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help=(
                "Resolve targets and print the plan, marking what the run would refuse "
                "(max_targets, protected namespaces); change nothing."
            ),
        ),
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
            help=(
                "Undo what a failed or interrupted scenario leaves behind (default: on). Off: "
                "it stays pending and is listed, for `undertow rollback execute`; a "
                "scenario's own end step (its duration over, or cut short by a signal) "
                "still undoes what it changed for that duration."
            ),
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", "--debug", "-d", help="Debug logging.")
    ] = False,
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict/--no-strict",
            help=(
                "Findings (problems Krkn never checks) fail their scenario (default: the "
                "config's `strict`: on in undertow's format, off for Krkn's)."
            ),
            show_default=False,
        ),
    ] = None,
    exit_codes: Annotated[
        ExitScheme,
        typer.Option("--exit-codes", help="Exit code scheme: undertow's, or Krkn's."),
    ] = ExitScheme.undertow,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Also write the run's log here (Krkn's -o).", metavar="FILE"
        ),
    ] = None,
    junit_testcase: Annotated[
        str | None,
        typer.Option(
            "--junit-testcase",
            help="Krkn's one-test-case JUnit file: its test case name.",
            metavar="NAME",
        ),
    ] = None,
    junit_testcase_path: Annotated[
        Path | None,
        typer.Option(
            "--junit-testcase-path", help="Directory for junit_krkn_<epoch>.xml.", metavar="DIR"
        ),
    ] = None,
    junit_testcase_version: Annotated[
        str | None,
        typer.Option(
            "--junit-testcase-version", help="TestVersion property of that file.", metavar="VERSION"
        ),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help=(
                "Undo what dead earlier runs left pending before injecting, even with "
                "rollback.auto off (it is listed first either way)."
            ),
        ),
    ] = False,
    run_uuid: Annotated[
        str | None,
        typer.Option(
            "--run-id",
            "--run_uuid",
            "-r",
            help="The run's id (names its rollback context; default: a new UUID).",
            metavar="ID",
        ),
    ] = None,
    guardian: Annotated[
        GuardianChoice,
        typer.Option(
            "--guardian",
            help="required: refuse to run (exit 2) unless an in-cluster guardian is ready in "
            "heartbeat.namespace; optional: warn when none is; off: do not look.",
        ),
    ] = GuardianChoice.optional,
) -> int:
    """Run the chaos scenarios of a config: inject, measure recovery, roll back.

    Everything is validated first (exit 2, nothing touched); a scenario type undertow
    does not implement is bad input unless --skip-unsupported. Each change is journaled
    before it is made; a failed, crashed or interrupted scenario is rolled back (unless
    rollback.auto is off). Pending rollbacks of dead earlier runs are listed (verb and
    object), then rolled back before anything new is injected when rollback.auto is on or
    with --yes; otherwise the run stops there (exit 3) and says how to undo them.

    \b
    Examples:
      undertow run -c config.yaml --dry-run
      undertow run -c config.yaml --report-dir reports/
      undertow run -c config.yaml --scenario pod_disruption_scenarios --kubeconfig kc.yaml

    \b
    Exit codes: 0 passed, 1 a scenario or a health check failed, Cerberus said no-go, an
    error/critical Prometheus alert fired (or, with --dry-run, a scenario would fail or
    be refused),
    2 bad input or environment (nothing changed), 3 rollback incomplete (files kept
    pending), 130/143/129 interrupted (SIGINT/SIGTERM/SIGHUP) after rollback. With
    --exit-codes krkn: bad input is 255 and an incomplete rollback 1, as in Krkn, and a
    failed run 2 when error/critical alerts fired, 3 when a health check failed (a failed
    scenario's 1 wins).
    """
    from undertow.cli.krkn_flags import check_flags, krkn_outputs

    codes = ctx.ensure_object(ExitCodes)
    codes.scheme = exit_codes
    junit = check_flags(
        name=junit_testcase,
        path=to_path(junit_testcase_path),
        version=junit_testcase_version,
        run_id=run_uuid,
    )
    from undertow.cli.output import setup_logging

    log = setup_logging(verbose)
    with krkn_outputs(to_path(output), junit) as verdict:
        verdict.code = _run(
            config,
            scenario=scenario,
            skip_unsupported=skip_unsupported,
            dry_run=dry_run,
            run_id=run_uuid,
            yes=yes,
            guardian=guardian.value,
            log=log,
            codes=codes,
            overrides=Overrides(
                kubeconfig=to_path(kubeconfig),
                context=context,
                versions_directory=to_path(versions_dir),
                report_directory=to_path(report_dir),
                auto_rollback=auto_rollback,
                strict=strict,
            ),
        )
    return verdict.code


def _run(
    config: Path,
    *,
    scenario: list[str] | None,
    skip_unsupported: bool,
    dry_run: bool,
    run_id: str | None,
    yes: bool,
    guardian: GuardianMode,
    log: logging.Logger,
    overrides: Overrides,
    codes: ExitCodes,
) -> int:
    from undertow.cli.output import (
        console,
        print_findings,
        print_ignored,
        print_judging,
        print_skipped,
        summary_table,
        verdict,
    )
    from undertow.commands import run as commands
    from undertow.commands.validate import validate

    validated = validate(
        config, only=scenario or (), skip_unsupported=skip_unsupported, overrides=overrides
    )
    out = console()
    print_ignored(out, validated.ignored)
    if not validated.plan.jobs or dry_run:
        print_skipped(out, validated.plan.skipped)
    if not validated.plan.jobs:
        raise ConfigError(
            [
                ConfigIssue(
                    str(config),
                    "",
                    "nothing to run: every scenario file selected is of a type undertow does "
                    "not implement (skipped above); nothing was changed",
                )
            ]
        )
    if dry_run:
        plans = commands.dry_run(validated, log=log)
        for planned in plans:
            out.print(f"[bold]{planned.job.scenario_type}[/]: {planned.job.file}")
            for line in planned.lines:
                out.print(f"  - {line}", markup=False)  # plan text is data, e.g. undertow[aws]
        refused = [planned.job for planned in plans if planned.refused]
        failing = [planned.job for planned in plans if planned.would_fail and not planned.refused]
        if refused or failing:
            said = [
                f"{len(jobs)} scenario file(s) {how}: "
                + ", ".join(f"{job.scenario_type}: {job.file}" for job in jobs)
                for jobs, how in ((refused, "would be refused"), (failing, "would fail as planned"))
                if jobs
            ]
            out.print(f"dry run: nothing was changed; {'; '.join(said)}", markup=False)
            return exit_codes.FAILED
        out.print("dry run: nothing was changed")
        return exit_codes.OK
    outcome = commands.run(validated, log=log, ask=_ask, run_id=run_id, yes=yes, guardian=guardian)
    codes.krkn_failure = outcome.krkn_failure
    out.print(summary_table(outcome))
    print_judging(out, outcome)
    print_findings(out, outcome, strict=validated.settings.strict)
    print_skipped(out, validated.plan.skipped)
    if outcome.rollback.pending:
        _print_kept_pending(
            outcome,
            validated.settings.rollback.versions_directory,
            validated.settings.rollback.journal_key,
            out,
        )
    for error in outcome.rollback.errors:
        out.print(f"[red]not restored:[/] {error}")
    if outcome.stopped_early:
        out.print(f"stopped early: {outcome.stopped_early}")
    out.print(verdict(outcome), markup=False)
    return outcome.exit_code


def _print_kept_pending(
    outcome: RunOutcome, versions_directory: Path, journal_key: Path | None, out: Console
) -> None:
    """What rollback.auto off left pending, this run's and dead earlier runs', and the
    command that undoes it."""
    from undertow.cli.rollback import print_runs
    from undertow.commands.rollback import rollback_list

    mine = {outcome.run_id, *outcome.stale.runs}
    listed = rollback_list(versions_directory, journal_key=journal_key)
    runs = [run for run in listed if run.run_id in mine]
    command = "undertow rollback execute"
    if len(runs) == 1:
        command += f" --run {runs[0].run_id}"
    out.print(
        f"[yellow]{outcome.rollback.pending} change(s) kept pending (rollback.auto is off);[/] "
        f"undo them with `{command}`:"
    )
    print_runs(runs, versions_directory, out)


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    return typer.confirm(question, default=False)
