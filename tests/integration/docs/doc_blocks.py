"""The shell blocks of the docs: fenced blocks tagged bash, sh, shell or console.

A block preceded by `<!-- docs-test: skip REASON -->` (blank lines between are fine) is
not run; the reason is required. In a `console` block only the `$ ` lines are commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
SKIP = re.compile(r"<!--\s*docs-test:\s*skip\b\s*(.*?)\s*-->")
FENCE = re.compile(r"^```\s*([\w-]*)\s*$")


@dataclass(frozen=True)
class Block:
    file: Path
    line: int
    """The line of the opening fence (1-based)."""
    script: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        return f"{self.file.name}:{self.line}"


def shell_blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        language, body = opening.group(1), lines[i + 1 : end]
        if language in SHELL_LANGUAGES:
            if language == "console":
                body = [line[2:] for line in body if line.startswith("$ ")]
            blocks.append(Block(path, i + 1, "\n".join(body) + "\n", _skip_reason(lines, i)))
        i = end + 1
    return blocks


def _skip_reason(lines: list[str], fence: int) -> str | None:
    above = fence - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    found = SKIP.search(lines[above]) if above >= 0 else None
    if found is None:
        return None
    if not found.group(1):
        raise ValueError(f"line {above + 1}: a docs-test skip marker needs a reason")
    return found.group(1)
