"""One help style for every command: walks the whole command tree (lazy subcommands too).

The first line of each help text is one sentence ending with a period, short enough for a
terminal; every command that runs something shows an `Examples:` block of its own command
lines, each starting with `undertow <its path>`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer

from undertow.cli.app import app

MAX_FIRST_LINE = 100


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(None):
            yield from _walk(command.get_command(None, name), (*path, name))


COMMANDS = list(_walk(typer.main.get_command(app), ("undertow",)))
LEAVES = [(path, c) for path, c in COMMANDS if not hasattr(c, "list_commands")]


def _ids(items: list[tuple[tuple[str, ...], Any]]) -> list[str]:
    return [" ".join(path) for path, _ in items]


def test_the_walk_reaches_every_command() -> None:
    names = set(_ids(COMMANDS))
    assert {"undertow scenarios explain", "undertow rollback sweep", "undertow cluster up"} <= names
    assert len(LEAVES) >= 15


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=_ids(COMMANDS))
def test_first_line_is_one_sentence_ending_with_a_period(
    path: tuple[str, ...], command: Any
) -> None:
    first = (command.help or "").strip().splitlines()[0]
    assert first[:1].isupper(), f"{first!r} does not start with a capital letter"
    assert first.endswith("."), f"{first!r} does not end with a period"
    assert ". " not in first[:-1], f"{first!r} is more than one sentence"
    assert len(first) <= MAX_FIRST_LINE, f"{first!r} is longer than {MAX_FIRST_LINE}"
    # the text after the first line is separated from it by a blank line
    lines = (command.help or "").strip().splitlines()
    assert len(lines) == 1 or lines[1].strip() == "", f"{path}: no blank line after the first"


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=_ids(LEAVES))
def test_examples_block_of_its_own_command_lines(path: tuple[str, ...], command: Any) -> None:
    lines = (command.help or "").splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip().startswith("Example")]
    assert len(headers) == 1, f"{' '.join(path)}: one `Examples:` block expected"
    (at,) = headers
    assert lines[at].strip() == "Examples:"
    assert lines[at - 1].strip() == "\b", "the block is kept as written (a \\b line before it)"
    block = []
    for line in lines[at + 1 :]:
        if not line.strip():
            break
        block.append(line)
    assert block, "no example lines"
    own = " ".join(path)
    for line in block:
        assert line.startswith(f"  {own}"), f"{line!r}: not `  {own} ...`"
