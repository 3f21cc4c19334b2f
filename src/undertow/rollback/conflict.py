"""What a person needs to settle a conflict (an object changed by someone else since undertow
changed it, so its undo left it alone): the value undertow set, the value found now, and the
commands that inspect the object or force the original value back."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping
from typing import Any

from undertow import errors
from undertow.kube import KubeApi, ObjectRef
from undertow.rollback.entry import EntryOutcome, JournalEntry
from undertow.undo.k8s import lookup
from undertow.undo.outcome import CONFLICT

_State = tuple[bool, Any]


def _shown(state: _State) -> str:
    present, value = state
    return json.dumps(value) if present else "absent"


def _kubectl_resource(target: Mapping[str, Any]) -> str:
    group, _, version = str(target["api_version"]).rpartition("/")
    kind = str(target["kind"]).lower()
    return f"{kind}.{version}.{group}" if group else kind


def _kubectl(verb: str, target: Mapping[str, Any]) -> str:
    where = f" -n {shlex.quote(target['namespace'])}" if target.get("namespace") else ""
    name = shlex.quote(str(target["name"]))
    return f"kubectl {verb} {_kubectl_resource(target)} {name}{where}"


_UNREAD: Mapping[str, Any] = {}


def explain(entry: JournalEntry, current: Mapping[str, Any] | None) -> list[str]:
    """Lines for the terminal: per field, what undertow set and what is there now; how to
    inspect the object; how to put the original back by hand; how to then close the file.
    `current` is the object now, None if it is gone, `_UNREAD` if it could not be read."""
    data, lines = entry.data, []
    target = data["target"]
    if data.get("action") == "restore_network_acl":
        return _explain_acls(entry)
    force: list[dict[str, Any]] = []
    fields = data.get("fields", []) if data.get("action") == "restore_fields" else []
    for field in fields if current is not _UNREAD else []:
        path = field["path"]
        found: _State = lookup(current, path) if current is not None else (False, None)
        original: _State = (field["original_present"], field["original"])
        if found in (original, (field["set_present"], field["set"])):
            continue
        lines.append(
            f"{path}: undertow set {_shown((field['set_present'], field['set']))}, found "
            f"{_shown(found)} (before undertow: {_shown(original)})"
        )
        if original[0]:
            force.append({"op": "add", "path": path, "value": original[1]})
        elif found[0]:
            force.append({"op": "remove", "path": path})
    if current is None:
        lines.append(f"{_kubectl('get', target)}: not found now")
    lines.append(f"inspect: {_kubectl('get', target)} -o yaml")
    if force:
        patch = shlex.quote(json.dumps(force))
        lines.append(f"force the original back: {_kubectl('patch', target)} --type=json -p {patch}")
    lines.append(_then(entry))
    return lines


def _then(entry: JournalEntry) -> str:
    return (
        f"then: undertow rollback execute --file {shlex.quote(str(entry.path))} (it finds the "
        "object as it was and marks the file executed)"
    )


def _explain_acls(entry: JournalEntry) -> list[str]:
    """An AWS zone outage's subnets: which ACL each had, and how to look at them now."""
    data = entry.data
    originals = ", ".join(f"{subnet}: {acl}" for subnet, acl in data["original_acls"].items())
    subnets = ",".join(data["original_acls"])
    return [
        f"the subnets had these network ACLs before undertow: {originals}",
        f"inspect: aws ec2 describe-network-acls --region {shlex.quote(str(data['region']))} "
        f"--filters Name=association.subnet-id,Values={shlex.quote(subnets)}",
        _then(entry),
    ]


def explain_conflicts(
    outcomes: list[EntryOutcome], cluster: Callable[[], KubeApi]
) -> dict[str, list[str]]:
    """`explain` for each conflict among `outcomes`, keyed by the entry's file path; the
    object is read once more to show its value now (not shown if it cannot be read)."""
    explained: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.outcome != CONFLICT:
            continue
        data = outcome.entry.data
        if data.get("action") != "restore_fields":
            explained[str(outcome.entry.path)] = explain(outcome.entry, _UNREAD)
            continue
        target = data["target"]
        ref = ObjectRef(target["api_version"], target["kind"], target["name"], target["namespace"])
        try:
            current: Mapping[str, Any] | None = cluster().get(ref)
        except errors.NotFound:
            current = None
        except errors.UndertowError:
            current = _UNREAD
        explained[str(outcome.entry.path)] = explain(outcome.entry, current)
    return explained
