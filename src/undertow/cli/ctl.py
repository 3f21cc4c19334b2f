"""`undertow ctl status|pause|resume|stop`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from undertow.commands.ctl import Verb

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Show, pause, resume or stop a running run (its run control endpoint).",
)

Run = Annotated[
    str | None,
    typer.Option("--run", "-r", help="The run's id (a prefix will do).", metavar="ID"),
]
Url = Annotated[
    str | None,
    typer.Option("--url", help="The run's control URL, e.g. http://127.0.0.1:8081/", metavar="URL"),
]
Token = Annotated[
    str | None, typer.Option("--token", help="The run's bearer token.", metavar="TOKEN")
]


def _send(verb: Verb, run: str | None, url: str | None, token: str | None) -> None:
    import os

    from undertow.commands.ctl import control_address, send
    from undertow.config.settings import default_runs_directory

    address = control_address(default_runs_directory(os.environ), run=run, url=url, token=token)
    status = send(address, verb)
    scenario = f", running {status['scenario']}" if status.get("scenario") else ""
    run_id = status.get("run_id") or address.run_id
    typer.echo(f"run {run_id}: {status['state']}{scenario}")


@app.command()
def status(run: Run = None, url: Url = None, token: Token = None) -> None:
    """Show a running run's state (RUN, PAUSE or STOP) and its scenario.

    The run is found in $XDG_STATE_HOME/undertow/runs (the one running run, or --run), or
    reached at --url. Exit 2 when no run is found or it cannot be reached.

    \b
    Examples:
      undertow ctl status
      undertow ctl status --url http://127.0.0.1:8081/
    """
    _send("status", run, url, token)


@app.command()
def pause(run: Run = None, url: Url = None, token: Token = None) -> None:
    """Pause the run before its next scenario (the one running now goes on).

    \b
    Examples:
      undertow ctl pause
    """
    _send("pause", run, url, token)


@app.command()
def resume(run: Run = None, url: Url = None, token: Token = None) -> None:
    """Resume a paused run (Krkn's RUN).

    \b
    Examples:
      undertow ctl resume
    """
    _send("resume", run, url, token)


@app.command()
def stop(run: Run = None, url: Url = None, token: Token = None) -> None:
    """Stop the run as SIGTERM does (roll back, exit 143).

    The scenario running now ends, its changes are rolled back, the reports are written.

    \b
    Examples:
      undertow ctl stop --run 3f2a
    """
    _send("stop", run, url, token)
