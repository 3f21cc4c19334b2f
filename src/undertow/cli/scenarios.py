"""`undertow scenarios list|schema`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Scenario types and their file formats."
)


@app.command("list")
def list_command() -> None:
    """List the scenario types this install can run (built-in and plugins).

    \b
    Example:
      undertow scenarios list
    """
    from rich.table import Table

    from undertow.cli.output import console
    from undertow.commands.scenarios import list_scenarios

    infos = list_scenarios()
    out = console()
    if not infos:
        out.print("no scenario types are installed")
        return
    table = Table(show_lines=False)
    for column in ("type", "summary", "from"):
        table.add_column(column, overflow="fold")
    for info in infos:
        summary = info.summary if not info.problem else f"[red]{info.problem}[/]"
        table.add_row(info.scenario_type, summary, info.origin)
    out.print(table)


@app.command("schema")
def schema_command(
    scenario_type: Annotated[str, typer.Argument(metavar="TYPE", help="A scenario type.")],
) -> None:
    """Print the JSON Schema of a scenario type's file (for editors and CI linting).

    \b
    Example:
      undertow scenarios schema pod_disruption_scenarios > pod.schema.json
    """
    from undertow.commands.scenarios import scenario_schema

    typer.echo(json.dumps(scenario_schema(scenario_type), indent=2))
