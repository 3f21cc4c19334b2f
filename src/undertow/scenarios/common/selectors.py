"""Kubernetes label selectors: parse, validate and match, as the API server does.

Scenario files carry selectors as strings (`app=web,tier!=db`, `env in (a,b)`, `!canary`).
They are validated when the file is loaded (so a typo fails before any cluster call),
sent unchanged to the API server for server-side selection, and matched locally for
exclusions the server cannot express (e.g. "label selector minus exclude_label").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Operator = Literal["=", "!=", "in", "notin", "exists", "!"]

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_NAME_RE = re.compile(rf"^{_NAME}$")
_PREFIX_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_VALUE_RE = re.compile(rf"^({_NAME})?$")
_SET_RE = re.compile(r"^(?P<key>\S+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)$")
_EQ_RE = re.compile(r"^(?P<key>[^=!\s]+)\s*(?P<op>==|=|!=)\s*(?P<value>\S*)$")


@dataclass(frozen=True)
class Requirement:
    """One clause of a selector, e.g. `app=web` or `env in (a,b)`."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        # "!=" and "notin" match objects without the key, as the API server does.
        return not present or labels[self.key] not in self.values

    def __str__(self) -> str:
        if self.operator == "exists":
            return self.key
        if self.operator == "!":
            return f"!{self.key}"
        if self.operator in ("=", "!="):
            return f"{self.key}{self.operator}{self.values[0]}"
        return f"{self.key} {self.operator} ({','.join(self.values)})"


@dataclass(frozen=True)
class Selector:
    """A conjunction of requirements. The empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        present = labels or {}
        return all(req.matches(present) for req in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(req) for req in self.requirements)


def validate_key(key: str) -> str:
    """Check a label key (`[prefix/]name`); return it or raise ValueError."""
    prefix, _, name = key.rpartition("/")
    if not _NAME_RE.match(name):
        raise ValueError(
            f"invalid label key {key!r}: the name part must be 1-63 characters of "
            "[A-Za-z0-9-_.], starting and ending with an alphanumeric"
        )
    if "/" in key and (not prefix or len(prefix) > 253 or not _PREFIX_RE.match(prefix)):
        raise ValueError(f"invalid label key {key!r}: the prefix must be a DNS subdomain")
    return key


def validate_value(value: str, key: str = "") -> str:
    if not _VALUE_RE.match(value):
        where = f" for key {key!r}" if key else ""
        raise ValueError(
            f"invalid label value {value!r}{where}: at most 63 characters of [A-Za-z0-9-_.], "
            "starting and ending with an alphanumeric (or empty)"
        )
    return value


def _split_clauses(text: str) -> list[str]:
    """Split on commas that are not inside `( … )`."""
    clauses: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ')' in label selector {text!r}")
        if char == "," and depth == 0:
            clauses.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise ValueError(f"unbalanced '(' in label selector {text!r}")
    clauses.append("".join(current))
    return clauses


def _parse_clause(clause: str, text: str) -> Requirement:
    clause = clause.strip()
    if not clause:
        raise ValueError(f"empty clause in label selector {text!r}")
    if match := _SET_RE.match(clause):
        key = validate_key(match["key"])
        values = tuple(v.strip() for v in match["values"].split(","))
        for value in values:
            validate_value(value, key)
        op: Operator = "in" if match["op"] == "in" else "notin"
        return Requirement(key, op, values)
    if match := _EQ_RE.match(clause):
        key = validate_key(match["key"])
        value = validate_value(match["value"], key)
        return Requirement(key, "!=" if match["op"] == "!=" else "=", (value,))
    if clause.startswith("!"):
        return Requirement(validate_key(clause[1:].strip()), "!")
    if re.search(r"[\s=!()<>]", clause):
        raise ValueError(
            f"cannot parse {clause!r} in label selector {text!r}: expected key, !key, "
            "key=value, key!=value, 'key in (a,b)' or 'key notin (a,b)'"
        )
    return Requirement(validate_key(clause), "exists")


def parse_selector(text: str) -> Selector:
    """Parse a label selector string; raise ValueError naming the bad clause."""
    if not text.strip():
        return Selector()
    return Selector(tuple(_parse_clause(c, text) for c in _split_clauses(text)))


def selector_from_map(labels: Mapping[str, str]) -> Selector:
    """A `matchLabels` map as a selector (validating keys and values)."""
    return Selector(
        tuple(
            Requirement(validate_key(k), "=", (validate_value(str(v), k),))
            for k, v in labels.items()
        )
    )
