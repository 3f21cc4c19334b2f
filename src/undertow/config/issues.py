"""Pydantic validation errors rewritten as precise, human messages with file and line.

Every message says what was expected and what was found, e.g.
`tests/x.yaml:7 at tunings.iterations: expected an integer >= 1, got 0`.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from undertow.config.yamlfile import YamlDocument
from undertow.errors import ConfigIssue


def describe(value: Any) -> str:
    """A short, unambiguous rendering of a value found in a file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    return str(value)


def issues_from_validation(
    doc: YamlDocument,
    error: ValidationError,
    *,
    model: type[BaseModel] | None = None,
    prefix: Sequence[str | int] = (),
) -> list[ConfigIssue]:
    """One ConfigIssue per pydantic error; `prefix` is where the model's data sits in the file."""
    issues: list[ConfigIssue] = []
    seen: set[tuple[str, str]] = set()
    for detail in error.errors(include_url=False):
        loc = [*prefix, *_clean_loc(detail["loc"])]
        message = _message(detail, model, _clean_loc(detail["loc"]))
        issue = doc.issue(loc, message)
        key = (issue.field, issue.message)
        if key not in seen:
            seen.add(key)
            issues.append(issue)
    return issues


def _clean_loc(loc: Iterable[Any]) -> list[str | int]:
    """Drop pydantic's synthetic loc parts (union member names, `function-after[...]`)."""
    parts: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and ("[" in part or part.startswith("function-")):
            continue
        parts.append(part)
    return parts


def _message(detail: ErrorDetails, model: type[BaseModel] | None, loc: list[str | int]) -> str:
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    got = f", got {describe(value)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field(str(loc[-1]) if loc else "", model, loc[:-1])
    simple = {
        "int_parsing": "expected an integer",
        "int_type": "expected an integer",
        "int_from_float": "expected a whole number",
        "float_parsing": "expected a number",
        "float_type": "expected a number",
        "bool_parsing": "expected true or false",
        "bool_type": "expected true or false",
        "string_type": "expected a string",
        "list_type": "expected a list",
        "dict_type": "expected a mapping",
        "model_type": "expected a mapping",
        "model_attributes_type": "expected a mapping",
    }
    if kind in simple:
        return simple[kind] + got
    bounds = {
        "greater_than_equal": ">=",
        "greater_than": ">",
        "less_than_equal": "<=",
        "less_than": "<",
    }
    if kind in bounds:
        limit = next(iter(ctx.values()), "?")
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {bounds[kind]} {limit}{got}"
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return "must not be empty"
        return f"expected at least {ctx.get('min_length')} items{got}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} items"
    if kind in ("literal_error", "enum"):
        return f"expected one of {ctx.get('expected', '?')}{got}"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    if kind == "assertion_error":
        return str(ctx.get("error", detail["msg"]))
    msg = detail["msg"]
    return msg[:1].lower() + msg[1:] + got


def _unknown_field(name: str, model: type[BaseModel] | None, loc: list[str | int]) -> str:
    allowed = _fields_at(model, loc) if model is not None else None
    if not allowed:
        return f"unknown field {name!r}"
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown field {name!r} ({hint}allowed: {', '.join(sorted(allowed))})"


def _fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str] | None:
    """The field names (aliases where set) of the model found at `loc` inside `model`."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return None
    current = _unwrap_model(current)
    if current is None:
        return None
    return [info.alias or name for name, info in current.model_fields.items()]


def _step(annotation: Any, part: str | int) -> Any:
    if getattr(annotation, "__pydantic_root_model__", False):
        annotation = annotation.model_fields["root"].annotation
    target = _unwrap_model(annotation)
    if isinstance(part, str) and target is not None:
        for name, info in target.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, Sequence) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            found = _step(arg, part)
            if found is not None:
                return found
    return None


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        root = annotation.model_fields.get("root")
        if root is not None and getattr(annotation, "__pydantic_root_model__", False):
            return _unwrap_model(root.annotation)
        return annotation
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap_model(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None
