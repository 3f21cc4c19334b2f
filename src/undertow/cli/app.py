"""The `undertow` command: a root group whose subcommands are imported only when used.

`undertow --help` imports typer alone (no pydantic models, no kubernetes), so it answers
in well under 0.2 s. Every undertow error is turned into a message and an exit code here,
in `main`, and nowhere else; an UndertowError never prints a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperGroup

from undertow import __version__, exit_codes
from undertow.cli.exit_codes import ExitCodes
from undertow.cli.process_end import end_process
from undertow.errors import ClusterUnreachable, ConfigError, UndertowError

ROOT_HELP = """Chaos and resiliency testing for Kubernetes that always puts the cluster back.

Every change is written to a rollback journal before it is made, and undone when a
scenario fails, the run is interrupted, or the process dies (see `undertow rollback`).
Krkn's config.yaml and scenario files work as they are.

\b
Examples:
  undertow validate -c config.yaml           check config + scenario files (no cluster)
  undertow run -c config.yaml --dry-run      show what would be hit, change nothing
  undertow run -c config.yaml                inject, measure recovery, roll back
  undertow scenarios list                    scenario types this install can run
  undertow scenarios explain node_scenarios  every field of a scenario file
  undertow rollback list                     pending rollbacks of earlier runs
  undertow cluster up                        start the local test cluster

\b
Exit codes: 0 passed, 1 a scenario failed, 2 bad input or environment (nothing
changed), 3 rollback incomplete, 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP
(after rollback).
"""


@dataclass(frozen=True)
class Lazy:
    """A subcommand imported on first use: `module:attribute` is a typer app or function."""

    target: str
    short_help: str
    name: str = ""


COMMANDS: dict[str, Lazy] = {
    "run": Lazy("undertow.cli.run:app", "Run the chaos scenarios of a config."),
    "validate": Lazy("undertow.cli.validate:app", "Check a config and its scenario files."),
    "scenarios": Lazy("undertow.cli.scenarios:app", "List scenario types; explain their fields."),
    "rollback": Lazy("undertow.cli.rollback:app", "List, execute or sweep pending rollbacks."),
    "list-rollback": Lazy(
        "undertow.cli.rollback:list_rollback", "Alias of `rollback list` (as in Krkn).", "list"
    ),
    "execute-rollback": Lazy(
        "undertow.cli.rollback:execute_rollback",
        "Alias of `rollback execute` (as in Krkn).",
        "execute",
    ),
    "report": Lazy("undertow.cli.report:app", "Show a finished run's report in the terminal."),
    "ctl": Lazy("undertow.cli.ctl:app", "Show, pause, resume or stop a running run."),
    "guardian": Lazy(
        "undertow.cli.guardian:app", "Install the in-cluster guardian that rolls back dead runs."
    ),
    "cluster": Lazy("undertow.cli.cluster:app", "Start, stop or inspect the local cluster."),
    "version": Lazy("undertow.cli.version:app", "Show versions."),
}


def _available(lazy: Lazy) -> bool:
    module = lazy.target.partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


class LazyGroup(TyperGroup):
    """The root group: lists subcommands from `COMMANDS` without importing them."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.lazy = {name: lazy for name, lazy in COMMANDS.items() if _available(lazy)}

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.lazy)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        lazy = self.lazy.get(cmd_name)
        if lazy is None:
            return None
        if cmd_name not in self.commands:
            self.commands[cmd_name] = _load(lazy, cmd_name)
        return self.commands[cmd_name]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = [(name, lazy.short_help) for name, lazy in self.lazy.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _load(lazy: Lazy, cmd_name: str) -> Any:
    module_name, _, attribute = lazy.target.partition(":")
    obj = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(obj, typer.Typer):
        alias = typer.Typer(add_completion=False)
        alias.command(lazy.name or cmd_name, help=obj.__doc__)(obj)
        obj = alias
    command = typer.main.get_command(obj)
    command.name = cmd_name
    return command


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"undertow {__version__}")
        raise typer.Exit(0)


app = typer.Typer(
    cls=LazyGroup,
    help=ROOT_HELP,
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_show_version, help="Show the version and exit."
    ),
) -> None:
    """The root group's own options; every subcommand is loaded lazily."""


def render_error(exc: UndertowError) -> str:
    """The one place an undertow error becomes text for the terminal."""
    if isinstance(exc, ConfigError):
        count = len(exc.issues)
        head = f"error: invalid input ({count} problem{'s' if count != 1 else ''}):"
        return "\n".join([head, *(f"  {issue}" for issue in exc.issues)])
    text = f"error: {exc}"
    if isinstance(exc, ClusterUnreachable) and exc.hint:
        text += f"\nhint: {exc.hint}"
    return text


def main(argv: Sequence[str] | None = None) -> None:
    """Console script entry point: parse, run, map errors to exit codes, exit.

    Called with `argv` (in-process, as tests do) it raises SystemExit; as the process's
    entry point (no `argv`) it ends the process without tearing the interpreter down
    (`undertow.cli.process_end`)."""
    if argv is not None:
        _main(argv)
        return
    try:
        _main(None)
    except SystemExit as done:
        end_process(done.code)


def _main(argv: Sequence[str] | None) -> None:
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    codes = ExitCodes()  # `run --exit-codes krkn` switches it to Krkn's scheme
    try:
        result = command.main(args=args, prog_name="undertow", standalone_mode=False, obj=codes)
    except UndertowError as exc:
        sys.stderr.write(render_error(exc) + "\n")
        sys.exit(codes(exit_codes.for_error(exc)))
    except typer.Exit as exc:
        sys.exit(codes(exc.exit_code))
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        sys.exit(codes(exit_codes.interrupted(signal.SIGINT)))
    except typer.TyperException as exc:  # usage errors: bad option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"error: {exc}\n")
        sys.exit(int(getattr(exc, "exit_code", exit_codes.BAD_INPUT)))
    sys.exit(codes(result) if isinstance(result, int) else 0)
