"""A scenario file's fields, read from the JSON Schema of the type's spec model.

The schema is the one source: `undertow scenarios schema` prints it and `undertow scenarios
explain` renders these `FieldDoc`s from it, so the two never disagree. Lists and maps are
transparent in paths (`node_scenarios.taints.key` is the `key` of every taint), as in
`kubectl explain`. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class FieldDoc:
    """One field of a scenario file, with everything a user needs to fill it in."""

    path: str
    """Dotted path from the file's top, e.g. `node_scenarios.actions`."""
    type: str
    required: bool
    default: str
    """The default as JSON (empty when there is none)."""
    description: str
    unit: str
    allowed: tuple[str, ...]
    krkn_names: tuple[str, ...]
    """Other keys Krkn's files use for the same setting."""
    undertow_only: bool
    """undertow's addition to Krkn's format."""

    @property
    def depth(self) -> int:
        return self.path.count(".")

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


def field_docs(schema: Schema) -> list[FieldDoc]:
    """Every field of the file, depth first, in the model's order."""
    defs: Schema = schema.get("$defs", {})
    docs: list[FieldDoc] = []
    _walk(schema, defs, "", docs, seen=())
    return docs


def top_level(schema: Schema) -> list[str]:
    """The names of the file's own top-level fields."""
    return [doc.name for doc in field_docs(schema) if doc.depth == 0]


def children(docs: Sequence[FieldDoc], path: str) -> list[FieldDoc]:
    """The fields directly under `path` ("" for the file's top)."""
    depth = path.count(".") + 1 if path else 0
    prefix = f"{path}." if path else ""
    return [d for d in docs if d.depth == depth and d.path.startswith(prefix)]


def _walk(
    node: Schema, defs: Schema, prefix: str, out: list[FieldDoc], seen: tuple[str, ...]
) -> None:
    found = _object_of(node, defs, seen)
    if found is None:
        return
    obj, seen = found
    required = set(obj.get("required", ()))
    for name, prop in obj.get("properties", {}).items():
        path = f"{prefix}{name}"
        out.append(_doc(path, prop, defs, required=name in required))
        _walk(prop, defs, f"{path}.", out, seen)


def _object_of(
    node: Schema, defs: Schema, seen: tuple[str, ...]
) -> tuple[Schema, tuple[str, ...]] | None:
    """The object schema with properties under `node`, through refs, lists, maps and unions."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:  # a recursive model: stop at its second appearance
            return None
        return _object_of(defs[name], defs, (*seen, name))
    if "properties" in node:
        return node, seen
    if node.get("oneOf"):  # a list of modules told apart by a field (`id`): every field of each
        return _merged([_object_of(b, defs, seen) for b in node["oneOf"]], seen)
    inner = [node.get("items"), node.get("additionalProperties"), *node.get("anyOf", ())]
    for branch in inner:
        if isinstance(branch, Mapping):
            found = _object_of(branch, defs, seen)
            if found is not None:
                return found
    return None


def _merged(
    found: Sequence[tuple[Schema, tuple[str, ...]] | None], seen: tuple[str, ...]
) -> tuple[Schema, tuple[str, ...]] | None:
    """One object with the fields of every branch (a field's first description wins);
    required: what every branch requires."""
    objects = [obj for obj, _ in filter(None, found)]
    if not objects:
        return None
    properties: dict[str, Any] = {}
    for obj in objects:
        for name, prop in obj.get("properties", {}).items():
            properties.setdefault(name, prop)
    required = set.intersection(*(set(obj.get("required", ())) for obj in objects))
    return {"properties": properties, "required": sorted(required)}, seen


def _doc(path: str, prop: Schema, defs: Schema, *, required: bool) -> FieldDoc:
    return FieldDoc(
        path=path,
        type=type_name(prop, defs),
        required=required,
        default=json.dumps(prop["default"]) if "default" in prop else "",
        description=" ".join(_description(prop, defs).split()),
        unit=next((str(n["x-unit"]) for n in (prop, *prop.get("anyOf", ())) if "x-unit" in n), ""),
        allowed=tuple(str(v) for v in _allowed(prop, defs)),
        krkn_names=tuple(prop.get("x-krkn-names", ())),
        undertow_only=bool(prop.get("x-undertow", False)),
    )


def _description(prop: Schema, defs: Schema) -> str:
    """The field's own description; a model-typed field whose description is the model's
    docstring has it only on the model (pydantic leaves the duplicate out)."""
    ref = prop.get("$ref")
    if "description" not in prop and isinstance(ref, str):
        return str(defs[ref.rsplit("/", 1)[-1]].get("description", ""))
    return str(prop.get("description", ""))


def type_name(node: Schema, defs: Schema) -> str:
    """A schema as words: `list of string`, `map of string to list of HijackStep`, ..."""
    ref = node.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    if "anyOf" in node:
        names = [type_name(branch, defs) for branch in node["anyOf"]]
        return " or ".join(dict.fromkeys(names))
    kind = node.get("type")
    if kind == "array":
        items = node.get("items")
        return f"list of {_inner(items, defs)}" if isinstance(items, Mapping) else "list"
    if kind == "object":
        values = node.get("additionalProperties")
        if isinstance(values, Mapping):
            return f"map of string to {_inner(values, defs)}"
        return "map"
    if isinstance(kind, str):
        return kind
    if "const" in node or "enum" in node:
        return "string"
    return "any"


def _inner(node: Schema, defs: Schema) -> str:
    name = type_name(node, defs)
    return f"({name})" if " or " in name else name


def _allowed(node: Schema, defs: Schema) -> list[Any]:
    """The values an enum-like field takes (inside lists and unions too)."""
    if "enum" in node:
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = defs[ref.rsplit("/", 1)[-1]]
        return [] if "properties" in target else _allowed(target, defs)
    values: list[Any] = []
    items = node.get("items")
    if isinstance(items, Mapping):
        values.extend(_allowed(items, defs))
    for branch in node.get("anyOf", ()):
        values.extend(v for v in _allowed(branch, defs) if v not in values)
    return values
