"""`undertow rollback list|execute|sweep`, and Krkn's `list-rollback` / `execute-rollback`.

Parsing and printing only; the work is in `undertow.commands.rollback`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from undertow import exit_codes

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from undertow.commands.rollback import ExecuteResult
    from undertow.config import Connection
    from undertow.kube import KubeApi
    from undertow.rollback.directory import RunInfo
    from undertow.rollback.entry import EntryOutcome
    from undertow.rollback.sweep import LeftoverOutcome
    from undertow.runner.cluster_restore import ListedCopy

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="List, execute or sweep pending rollbacks (the journal of version files).",
)

VersionsDir = Annotated[
    Path | None,
    typer.Option(
        "--versions-dir",
        help="Versions directory.",
        show_default="$UNDERTOW_ROLLBACK_DIR, the config's, else $XDG_STATE_HOME/undertow/rollback",
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Take the versions dir and kubeconfig from this config."),
]
RunId = Annotated[
    str | None,
    typer.Option("--run", "-r", help="Only this run: its id, or the start of exactly one id."),
]
Scenario = Annotated[
    str | None,
    typer.Option("--scenario", "-s", help="Only this scenario type (e.g. node_scenarios)."),
]
Kubeconfig = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        help="Kubeconfig file (default: as for `run`: UNDERTOW_KUBECONFIG, the config's, ...).",
    ),
]
Context = Annotated[str | None, typer.Option("--context", help="Kubeconfig context.")]


CopyNamespace = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        help="With --from-cluster: where the copies are.",
        show_default="the config's heartbeat.namespace, else undertow",
    ),
]


def _settings(
    config: Path | None,
    versions_dir: Path | None,
    kubeconfig: Path | None = None,
    context: str | None = None,
) -> Connection:
    """The flags over the environment over the config file, resolved as for `run`."""
    from undertow.cli.options import to_path
    from undertow.config import Overrides, load_connection

    overrides = Overrides(
        kubeconfig=to_path(kubeconfig), context=context, versions_directory=to_path(versions_dir)
    )
    return load_connection(config, overrides=overrides)


def _say_pruned(pruned: list[Path], retention_days: float) -> None:
    if pruned:
        typer.echo(
            f"deleted {len(pruned)} executed version file(s) older than {retention_days:g} days"
        )


def _connector(settings: Connection) -> Callable[[], KubeApi]:
    from undertow.cli.output import setup_logging
    from undertow.commands.connection import connector

    return connector(settings, log=setup_logging(verbose=False))


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def print_runs(runs: list[RunInfo], versions_dir: Path, console: Console | None = None) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from undertow.cli.output import console as wide_console

    console = console or wide_console()
    if not runs:
        console.print(f"No pending rollbacks in {versions_dir}.")
        return
    now = time.time()
    for run in runs:
        state = "[green]live[/]" if run.live else "[yellow]dead[/]"
        who = f" pid {run.record.pid} on {escape(run.record.host)}" if run.record else ""
        console.print(
            f"[bold]run {run.run_id}[/] ({state}{who}, started {_age(now - run.started_ns / 1e9)}"
            f" ago): {len(run.pending)} pending, {len(run.executed)} executed"
        )
        if run.live and run.holder:
            console.print(f"  held by {run.holder}", markup=False)
        if run.problem:
            console.print(f"  refused: {run.problem}", markup=False)
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("state", "scenario", "age", "undo", "file"):
            table.add_column(column, overflow="fold")  # wrapped, never cut: pastable names
        for listed in [*run.pending, *run.executed]:
            table.add_row(
                "executed" if listed.name.executed else "pending",
                listed.name.scenario_type,
                _age(now - listed.name.timestamp_ns / 1e9),
                Text(listed.description),  # read from a file: never rich markup
                listed.path.name,
            )
        console.print(table)


@app.command("list")
def list_command(
    *,
    run: RunId = None,
    scenario: Scenario = None,
    all_: Annotated[bool, typer.Option("--all", help="Also show executed files.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    versions_dir: VersionsDir = None,
    config: ConfigFile = None,
    from_cluster: Annotated[
        bool,
        typer.Option(
            "--from-cluster",
            help="List the runs whose journal has a cluster copy (what `execute "
            "--from-cluster` restores from any machine) instead of the versions dir.",
        ),
    ] = False,
    namespace: CopyNamespace = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
) -> None:
    """List pending rollbacks per run: live or dead, age, what each undo does (no cluster).

    With --from-cluster: the runs whose journal has a cluster copy, live, dead or ended.

    \b
    Examples:
      undertow rollback list
      undertow rollback list --run 3f2a... --all --json
      undertow rollback list --from-cluster
    """
    from undertow.commands.rollback import rollback_list, runs_as_json

    if from_cluster:
        if scenario is not None or all_:
            typer.echo("--from-cluster takes --run and --json only", err=True)
            raise typer.Exit(exit_codes.BAD_INPUT)
        cluster_settings = _settings(config, versions_dir, kubeconfig, context)
        _list_from_cluster(cluster_settings, namespace, run=run, as_json=as_json)
        return
    settings = _settings(config, versions_dir)
    where = settings.versions_directory
    runs = rollback_list(
        where,
        run_id=run,
        scenario_type=scenario,
        include_executed=all_,
        journal_key=settings.journal_key,
    )
    if as_json:
        typer.echo(json.dumps(runs_as_json(runs), indent=2))
    else:
        print_runs(runs, where)


def _list_from_cluster(
    settings: Connection, namespace: str | None, *, run: str | None, as_json: bool
) -> None:
    from undertow.cli.output import console
    from undertow.commands.rollback import copies_as_json, rollback_list_from_cluster

    where = namespace or settings.heartbeat_namespace
    listed = rollback_list_from_cluster(_connector(settings), where, run_id=run)
    if as_json:
        typer.echo(json.dumps(copies_as_json(listed), indent=2))
        return
    print_copies(listed, where, console(), now=time.time())


def print_copies(listed: list[ListedCopy], where: str, out: Console, *, now: float) -> None:
    """The text of `rollback list --from-cluster`: each run's copy, then each pending entry
    with the same undo text as `--json`'s `undo` (`JournalEntry.description`)."""
    from rich.markup import escape
    from rich.text import Text

    if not listed:
        out.print(f"No cluster copies of a run's journal in namespace {escape(where)}.")
        return
    for item in listed:
        copied = item.copied
        held = f", held by {escape(item.lease.holder)}" if item.lease else ""
        out.print(
            f"[bold]run {escape(copied.run_id)}[/] ({item.state(now)}{held}): "
            f"{len(copied.pending)} pending, {copied.executed} executed in the cluster copy "
            f"{escape(where)}/{escape(copied.name)}"
        )
        for entry in copied.pending:
            out.print(Text(f"  pending  {entry.path.name}  {entry.description}"))
        for reason in copied.refused:
            out.print(Text(f"  refused: {reason}"))


class _Bar:
    """Rich progress bar plus one line per entry."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.console = Console(stderr=True)
        self.progress = Progress(console=self.console, transient=True)
        self.task = self.progress.add_task("rolling back", total=0)
        self.running = False

    def started(self, total: int) -> None:
        self.progress.update(self.task, total=total)
        self.progress.start()
        self.running = True

    def finished(self, outcome: EntryOutcome) -> None:
        color = "green" if outcome.ok else "red"
        self.progress.console.print(f"[{color}]{outcome.outcome}[/]: {outcome.detail}")
        self.progress.advance(self.task)

    def stop(self) -> None:
        if self.running:
            self.progress.stop()


def _summary(result: ExecuteResult) -> str:
    """One line: what was done to the selected files, never "nothing to do" beside a failure."""
    counts = [f"{n} {outcome}" for outcome, n in sorted(result.report.counts().items())]
    if result.refused:
        counts.append(f"{len(result.refused)} refused (left untouched)")
    if counts:
        return ", ".join(counts)
    if result.live_runs:
        return "nothing executed: only live runs have pending files (they roll back themselves)"
    return "nothing pending"


@app.command("execute")
def execute_command(
    *,
    run: RunId = None,
    scenario: Scenario = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="Execute exactly this version file (a path, or its name as `list` shows it).",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be done.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    versions_dir: VersionsDir = None,
    config: ConfigFile = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
    from_cluster: Annotated[
        bool,
        typer.Option(
            "--from-cluster",
            help="Restore from the journal's cluster copy instead of the versions dir: "
            "works from any machine with a kubeconfig.",
        ),
    ] = False,
    namespace: CopyNamespace = None,
) -> None:
    """Execute pending version files of dead runs, newest first, verifying each object.

    Exit 3 if anything could not be restored (its file stays pending) or a file was refused.

    \b
    Examples:
      undertow rollback execute --dry-run
      undertow rollback execute --run 3f2a --yes      (the start of a run id will do)
      undertow rollback execute --file ~/.local/state/undertow/rollback/<ctx>/<file>.py
      undertow rollback execute --from-cluster --run 3f2a --yes
    """
    from undertow.commands.rollback import rollback_execute, rollback_list

    settings = _settings(config, versions_dir, kubeconfig, context)
    if from_cluster:
        if file is not None or scenario is not None:
            typer.echo("--from-cluster takes --run only (not --file or --scenario)", err=True)
            raise typer.Exit(exit_codes.BAD_INPUT)
        _execute_from_cluster(settings, namespace, run=run, dry_run=dry_run, yes=yes)
    where = settings.versions_directory
    if not (yes or dry_run or file) and sys.stdin.isatty():
        listed = rollback_list(
            where, run_id=run, scenario_type=scenario, journal_key=settings.journal_key
        )
        runs = [r for r in listed if not r.live]
        count = sum(len(r.pending) for r in runs)
        if count and not typer.confirm(f"Undo {count} pending change(s) in {len(runs)} run(s)?"):
            typer.echo("not confirmed: nothing was undone; the files stay pending", err=True)
            raise typer.Exit(exit_codes.FAILED)
    bar = _Bar()
    try:
        result = rollback_execute(
            where,
            _connector(settings),
            run_id=run,
            scenario_type=scenario,
            file=file,
            dry_run=dry_run,
            progress=bar,
            journal_key=settings.journal_key,
            retention_days=settings.executed_retention_days,
        )
    finally:
        bar.stop()
    _say_pruned(result.pruned, settings.executed_retention_days)
    print_execution(result, "rollback")
    raise typer.Exit(result.exit_code)


def _execute_from_cluster(
    settings: Connection, namespace: str | None, *, run: str | None, dry_run: bool, yes: bool
) -> None:
    from undertow.commands.rollback import rollback_execute_from_cluster

    where = namespace or settings.heartbeat_namespace
    if not (yes or dry_run) and sys.stdin.isatty():
        question = f"Undo the pending entries of {'run ' + run if run else 'every dead run'}"
        if not typer.confirm(f"{question} from the cluster copy in namespace {where}?"):
            typer.echo("not confirmed: nothing was undone", err=True)
            raise typer.Exit(exit_codes.FAILED)
    bar = _Bar()
    try:
        result = rollback_execute_from_cluster(
            _connector(settings), where, run_id=run, dry_run=dry_run, progress=bar
        )
    finally:
        bar.stop()
    for run_id, lease in result.live:
        typer.echo(f"skipped live run {run_id}: its Lease is held by {lease.holder}")
    for reason in result.refused:
        typer.echo(f"refused: {reason}", err=True)
    counts = [f"{n} {outcome}" for outcome, n in sorted(result.report.counts().items())]
    summary = ", ".join(counts) or "nothing pending"
    typer.echo(f"rollback from the cluster copy in {where}: {summary}")
    for outcome in result.report.not_restored:
        typer.echo(f"still pending: {outcome.entry.path}: {outcome.detail}", err=True)
    raise typer.Exit(result.exit_code)


def print_execution(result: ExecuteResult, label: str) -> None:
    """After the per-entry lines: live runs skipped, refused files and why, the summary, and
    for each file still pending its path (and, for a conflict, how to settle it)."""
    for live in result.live_runs:
        held = f"held by {live.holder}" if live.holder else "it is running"
        typer.echo(f"skipped live run {live.run_id} ({len(live.pending)} pending): {held}")
    for _path, reason in result.refused:
        typer.echo(f"refused: {reason}", err=True)
    for temp in result.temps_removed:
        typer.echo(f"removed the unpublished temp file {temp} (its change was never made)")
    typer.echo(f"{label}: {_summary(result)}")
    for problem in result.copy_unmarked:
        typer.echo(
            f"warning: {problem}; the guardian or `rollback execute --from-cluster` may undo "
            "those entries again (harmlessly: they find them already restored)",
            err=True,
        )
    for outcome in result.report.not_restored:
        typer.echo(f"still pending: {outcome.entry.path}", err=True)
        for line in result.conflicts.get(str(outcome.entry.path), []):
            typer.echo(f"  {line}", err=True)


@app.command("sweep")
def sweep_command(
    *,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be done.")] = False,
    older_than: Annotated[
        float,
        typer.Option(
            "--older-than",
            help="Seconds before objects of runs unknown here count as leftovers.",
        ),
    ] = 3600.0,
    versions_dir: VersionsDir = None,
    config: ConfigFile = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
) -> None:
    """Roll back dead runs, then remove objects labelled managed-by=undertow left behind.

    Objects of runs alive here are never touched; objects of runs unknown here (journal
    lost, or another machine's) only once older than --older-than.

    \b
    Examples:
      undertow rollback sweep --dry-run
      undertow rollback sweep --older-than 3600
    """
    from undertow.commands.rollback import rollback_sweep

    settings = _settings(config, versions_dir, kubeconfig, context)
    bar = _Bar()
    try:
        result = rollback_sweep(
            settings.versions_directory,
            _connector(settings),
            dry_run=dry_run,
            min_age_seconds=older_than,
            progress=bar,
            journal_key=settings.journal_key,
            retention_days=settings.executed_retention_days,
        )
    finally:
        bar.stop()
    _say_pruned(result.journal.pruned, settings.executed_retention_days)
    print_execution(result.journal, "journal of dead runs")
    for done in result.leftovers:
        line = f"{done.outcome}: {done.detail} (run {done.leftover.run_id or '?'})"
        typer.echo(line, err=not done.ok)
    if result.unlisted:
        shown = ", ".join(result.unlisted)
        typer.echo(f"not allowed to list (leftovers of these kinds not seen): {shown}", err=True)
    if result.search_failed:
        typer.echo(f"leftovers not searched for: {result.search_failed}", err=True)
    summary = leftover_summary(
        result.leftovers, dry_run=dry_run, search_failed=result.search_failed
    )
    typer.echo(f"sweep: {summary}")
    raise typer.Exit(result.exit_code)


def leftover_summary(
    leftovers: list[LeftoverOutcome], *, dry_run: bool, search_failed: str = ""
) -> str:
    """What happened to the leftovers, in one line; the failures' reasons are listed above."""
    if search_failed:
        removed = sum(done.ok for done in leftovers)
        return f"{removed} leftover object(s) handled, then the search failed (why: above)"
    if not leftovers:
        return "no leftover objects found"
    counts: dict[str, int] = {}
    for done in leftovers:
        counts[done.outcome] = counts.get(done.outcome, 0) + 1
    shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    failed = sum(not done.ok for done in leftovers)
    if dry_run:
        return f"{len(leftovers)} leftover object(s): {shown}; nothing was changed"
    why = f"; {failed} not removed (why: above)" if failed else ""
    return f"{len(leftovers)} leftover object(s): {shown}{why}"


def list_rollback(
    *,
    run: RunId = None,
    scenario: Scenario = None,
    all_: Annotated[bool, typer.Option("--all", help="Also show executed files.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    versions_dir: VersionsDir = None,
    config: ConfigFile = None,
) -> None:
    """List pending and executed version files, as Krkn's `list-rollback` (`rollback list --all`).

    \b
    Examples:
      undertow list-rollback
      undertow list-rollback --run 3f2a...
    """
    list_command(
        run=run,
        scenario=scenario,
        all_=all_,
        as_json=as_json,
        versions_dir=versions_dir,
        config=config,
    )


def execute_rollback(
    *,
    run: RunId = None,
    scenario: Scenario = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be done.")] = False,
    versions_dir: VersionsDir = None,
    config: ConfigFile = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
) -> None:
    """Execute pending files newest first, as Krkn's `execute-rollback` (`rollback execute --yes`).

    \b
    Examples:
      undertow execute-rollback --dry-run
      undertow execute-rollback --run 3f2a...
    """
    execute_command(
        run=run,
        scenario=scenario,
        file=None,
        dry_run=dry_run,
        yes=True,
        versions_dir=versions_dir,
        config=config,
        kubeconfig=kubeconfig,
        context=context,
    )
