"""`undertow scenarios list|schema|explain`."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from undertow.scenarios.reference import FieldDoc

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Scenario types and their file formats."
)


@app.command("list")
def list_command() -> None:
    """List the scenario types this install can run (built-in and plugins).

    \b
    Examples:
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
    Examples:
      undertow scenarios schema pod_disruption_scenarios > pod.schema.json
    """
    from undertow.commands.scenarios import scenario_schema

    typer.echo(json.dumps(scenario_schema(scenario_type), indent=2))


@app.command("explain")
def explain_command(
    scenario_type: Annotated[str, typer.Argument(metavar="TYPE", help="A scenario type.")],
    field_path: Annotated[
        str,
        typer.Argument(
            metavar="[FIELD.PATH]",
            help="A field, dotted from the file's top (lists and maps are transparent).",
            show_default=False,
        ),
    ] = "",
) -> None:
    """Describe every field of a scenario type's file, or one field and what is under it.

    Each field shows its type, whether it is required, its default, unit, allowed values,
    the other names Krkn's files use for it, and whether undertow added it. Read from the
    same schema `undertow scenarios schema` prints.

    \b
    Examples:
      undertow scenarios explain node_scenarios
      undertow scenarios explain node_scenarios node_scenarios.actions
      undertow scenarios explain pod_disruption_scenarios config.kill
    """
    from undertow.commands.scenarios import explain_scenario

    explanation = explain_scenario(scenario_type, field_path)
    lines = [f"TYPE:    {explanation.scenario_type}", f"SUMMARY: {explanation.summary}"]
    if explanation.field is None:
        if explanation.about:
            lines.append(f"FILE:    {explanation.about}")
    else:
        lines += ["", *_field_block(explanation.field, indent=0, label="FIELD:   ")]
    if explanation.fields:
        lines += ["", "FIELDS:"]
        base = explanation.field.depth + 1 if explanation.field else 0
        for doc in explanation.fields:
            lines += [*_field_block(doc, indent=2 * (doc.depth - base)), ""]
    typer.echo("\n".join(lines).rstrip())


def _field_block(doc: FieldDoc, *, indent: int, label: str = "") -> list[str]:
    """A field as text: its path and type, then its description and properties, indented."""
    head = " " * indent + label
    body = " " * (indent + len(label) if label else indent + 4)
    required = "  required" if doc.required else ""
    lines = [f"{head}{doc.path}  <{doc.type}>{required}"]
    facts = [
        f"default: {doc.default}" if doc.default else "",
        f"unit: {doc.unit}" if doc.unit else "",
        f"allowed: {', '.join(doc.allowed)}" if doc.allowed else "",
        f"Krkn's files may also say: {', '.join(doc.krkn_names)}" if doc.krkn_names else "",
        "added by undertow (not in Krkn's format)" if doc.undertow_only else "",
    ]
    for text in [doc.description or "(no description)", *filter(None, facts)]:
        lines += textwrap.wrap(text, width=96, initial_indent=body, subsequent_indent=body + "  ")
    return lines
