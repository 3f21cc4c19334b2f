"""The JSON patches the journaled client sends, and what it records to undo them.

Pure functions over objects as plain dicts: the forward ops of a field change (creating
missing parents), the `FieldChange` records with each field's original value, and the
snapshot of an object about to be deleted.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from undertow.undo.k8s import lookup, pointer_tokens
from undertow.undo.records import FieldChange

_SNAPSHOT_DROP = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "managedFields",
    "selfLink",
)


class _Remove:
    """Sentinel: `patch_fields(ref, {path: REMOVE})` deletes the field."""

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Final = _Remove()


def pointer(*tokens: str) -> str:
    """An RFC 6901 JSON pointer from raw tokens, e.g. pointer("metadata", "labels", "a/b")."""
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def snapshot(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object as it could be created again (server-owned fields dropped)."""
    snap = copy.deepcopy(dict(obj))
    snap.pop("status", None)
    meta = snap.get("metadata") or {}
    for key in _SNAPSHOT_DROP:
        meta.pop(key, None)
    return snap


def forward_ops(obj: Mapping[str, Any], path: str, value: Any) -> list[dict[str, Any]]:
    """JSON-patch ops that set `path` to `value` (or remove it), creating missing parents."""
    present, _ = lookup(obj, path)
    if value is REMOVE:
        return [{"op": "remove", "path": path}]
    if present:
        return [{"op": "replace", "path": path, "value": value}]
    tokens = pointer_tokens(path)
    for depth in range(1, len(tokens)):
        if not lookup(obj, pointer(*tokens[:depth]))[0]:
            nested: Any = value
            for token in reversed(tokens[depth:]):
                nested = {token: nested}
            return [{"op": "add", "path": pointer(*tokens[:depth]), "value": nested}]
    return [{"op": "add", "path": path, "value": value}]


def plan_fields(
    current: Mapping[str, Any], changes: Mapping[str, Any]
) -> tuple[list[FieldChange], list[dict[str, Any]]]:
    """The fields that change (with their originals) and a patch that applies only if
    every existing field still holds the value just read (`test` ops)."""
    ops: list[dict[str, Any]] = []
    fields: list[FieldChange] = []
    for path, value in changes.items():
        present, original = lookup(current, path)
        wanted = (value is not REMOVE, None if value is REMOVE else value)
        if (present, original if present else None) == wanted:
            continue
        fields.append(
            {
                "path": path,
                "original_present": present,
                "original": copy.deepcopy(original) if present else None,
                "set_present": wanted[0],
                "set": copy.deepcopy(wanted[1]),
            }
        )
        if present:
            ops.append({"op": "test", "path": path, "value": original})
        ops.extend(forward_ops(current, path, value))
    return fields, ops
