"""YAML files loaded with their line numbers, so every error can point at a line.

`load_yaml` returns plain Python data (dict, list, str, int, float, bool, None, dates) and a
map from each key path to the 1-based line where that key or list item starts. Syntax
errors, duplicate keys, unreadable files and non-UTF-8 bytes become `ConfigError`s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from undertow.errors import ConfigError, ConfigIssue

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDocument:
    """One YAML file: its data and where each field path starts."""

    path: Path
    data: Any
    lines: Mapping[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest prefix of `loc` that exists in the file."""
        parts = tuple(loc)
        while parts:
            line = self.lines.get(parts)
            if line is not None:
                return line
            parts = parts[:-1]
        return 1 if self.lines or self.data is not None else None

    def issue(self, loc: Sequence[str | int], message: str) -> ConfigIssue:
        return ConfigIssue(
            file=str(self.path), field=format_loc(loc), message=message, line=self.line_of(loc)
        )


def format_loc(loc: Sequence[str | int]) -> str:
    """`("kraken", "chaos_scenarios", 0)` → `kraken.chaos_scenarios[0]`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_yaml(path: Path) -> YamlDocument:
    """Read and parse one YAML file; raise ConfigError naming the file and the line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(name, "", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError([ConfigIssue(name, "", "is a directory, expected a YAML file")]) from None
    except PermissionError:
        raise ConfigError([ConfigIssue(name, "", "permission denied")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [ConfigIssue(name, "", f"not UTF-8 text (invalid byte at offset {exc.start})")]
        ) from None
    except OSError as exc:
        raise ConfigError([ConfigIssue(name, "", f"cannot read: {exc.strerror}")]) from None

    yaml = YAML(typ="rt")
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = f" (column {mark.column + 1})" if mark is not None else ""
        problem = exc.problem or exc.context or "cannot parse"
        raise ConfigError(
            [ConfigIssue(name, "", f"invalid YAML: {problem}{column}", line=line)]
        ) from None
    except YAMLError as exc:
        raise ConfigError([ConfigIssue(name, "", f"invalid YAML: {exc}")]) from None
    lines: dict[Loc, int] = {}
    data = _plain(node, (), lines)
    return YamlDocument(path=path, data=data, lines=lines)


def _plain(node: Any, loc: Loc, lines: dict[Loc, int]) -> Any:
    """Turn ruamel's round-trip nodes into plain Python values, recording lines."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key in node:
            plain_key = _plain_scalar(key)
            part = plain_key if isinstance(plain_key, str | int) else str(plain_key)
            lines[(*loc, part)] = node.lc.key(key)[0] + 1
            result[plain_key] = _plain(node[key], (*loc, part), lines)
        return result
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, item in enumerate(node):
            lines[(*loc, index)] = node.lc.item(index)[0] + 1
            items.append(_plain(item, (*loc, index), lines))
        return items
    return _plain_scalar(node)


def _plain_scalar(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value
