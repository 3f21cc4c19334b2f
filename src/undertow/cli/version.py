"""`undertow version`."""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, rich_markup_mode=None)


@app.command()
def version() -> None:
    """Show undertow's version and the versions it runs with.

    \b
    Examples:
      undertow version
    """
    from undertow.commands.version import version_info

    for name, value in version_info().items():
        typer.echo(f"{name}: {value}")
