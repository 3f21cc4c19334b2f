"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Config = Annotated[
    Path,
    typer.Option(
        "-c",
        "--config",
        help="Krkn config.yaml or an undertow config file.",
        metavar="CONFIG",
        show_default=False,
    ),
]
Scenarios = Annotated[
    list[str] | None,
    typer.Option(
        "--scenario",
        "-s",
        help="Only this scenario type (repeatable).",
        metavar="TYPE",
        show_default=False,
    ),
]

SkipUnsupported = Annotated[
    bool,
    typer.Option(
        "--skip-unsupported",
        help=(
            "Skip the files of scenario types undertow does not implement, naming each in the "
            "output and the reports (default: they are bad input, exit 2)."
        ),
    ),
]


def to_path(value: Path | None) -> Path | None:
    return value.expanduser() if value is not None else None
