"""The undo verbs for Kubernetes objects: delete what undertow created, put patched fields
back, remove a taint, recreate a deleted object.

Every verb checks that its data describes a change its own run made (`guards`: the live
object carries the entry's labels or the recorded uid; the snapshot is of the target), reads
the object first, decides, writes conditionally (a uid precondition, or JSON-patch `test`
ops on the values undertow set, so a field someone else changed since is left alone), then
re-reads to verify. A recreation creates first (the name's 409 is its read) and its re-read
is the stored object the create answers with. A verb raises `UndoError` when it cannot
restore; it never swallows a failure. `dyn` is a `kubernetes.dynamic.DynamicClient`.
"""

import json
import time
import weakref
from typing import Any

from undertow.undo.guards import (
    Refused,
    check_created_by_entry,
    check_scope,
    check_snapshot,
    entry_selector,
    require_uid,
)
from undertow.undo.k8s_api import (
    RETRYABLE_STATUSES,
    RetryPolicy,
    exec_in_pod,
    find_resource,
    is_connection_error,
    retrying,
    status_of,
)
from undertow.undo.labels import RUN_LABEL
from undertow.undo.outcome import (
    ALREADY_RESTORED,
    CONFLICT,
    GONE,
    NOTHING_TO_UNDO,
    RESTORED,
    WOULD_RESTORE,
    Result,
    UndoError,
)
from undertow.undo.records import (
    DeleteCreated,
    FieldChange,
    RecreateDeleted,
    RemoveTaint,
    RestoreFields,
    RevertInHelper,
    SignalledContainer,
    Taint,
    Target,
)

_ATTEMPTS = 5
_RETRY = RetryPolicy()
_VERIFY_SECONDS = 10.0
_HELPER_EXEC_SECONDS = 60.0
# A deleted object may still be terminating (a namespace emptying itself), and a namespace
# just recreated refuses pods until its default ServiceAccount exists: wait for both.
_SETTLE_SECONDS = 180.0
_NOT_YET_ADMITTED = ("is being terminated", "error looking up service account")


def _may_retry_patch(exc: BaseException) -> bool:
    """A conditional patch failed its test (409/422) or may not have been applied."""
    status = status_of(exc)
    return status in (409, 422, *RETRYABLE_STATUSES) or (
        status is None and is_connection_error(exc)
    )


_RESOURCES: "weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Any]]" = (
    weakref.WeakKeyDictionary()
)
"""Per client, the resources already found: the client's own lookup scans every resource
the server serves (milliseconds each), once per entry of a long rollback otherwise."""


def _resource(dyn: Any, target: Target) -> Any:
    key = (target["api_version"], target["kind"])
    known = _RESOURCES.setdefault(dyn, {})
    if key not in known:
        known[key] = retrying(lambda: find_resource(dyn, key[0], key[1]), policy=_RETRY)
    return known[key]


def _namespace(resource: Any, target: Target) -> str | None:
    return target.get("namespace") if resource.namespaced else None


def _read(dyn: Any, resource: Any, target: Target, name: str) -> dict[str, Any] | None:
    """The object as a plain dict, or None when it does not exist."""
    try:
        response = retrying(
            lambda: resource.get(
                name=name, namespace=_namespace(resource, target), serialize=False
            ),
            policy=_RETRY,
        )
    except Exception as exc:
        if status_of(exc) == 404:
            return None
        raise
    return _body(response)


def _body(response: Any) -> dict[str, Any]:
    """An answer's JSON body; reading it to its end hands the connection back to the pool."""
    loaded: dict[str, Any] = json.loads(response.data)
    response.release_conn()
    return loaded


def _done(response: Any) -> None:
    """Hand the connection of an answer whose body is not needed back to the pool. Left
    unread, it stays busy and the next call opens a new one (a TLS handshake each)."""
    response.drain_conn()
    response.release_conn()


def _list(dyn: Any, resource: Any, target: Target, selector: str) -> list[dict[str, Any]]:
    response = retrying(
        lambda: resource.get(
            namespace=_namespace(resource, target), label_selector=selector, serialize=False
        ),
        policy=_RETRY,
    )
    items: list[dict[str, Any]] = _body(response).get("items", [])
    return items


def _json_patch(dyn: Any, resource: Any, target: Target, ops: list[Any]) -> None:
    response = resource.patch(
        body=ops,
        name=target["name"],
        namespace=_namespace(resource, target),
        content_type="application/json-patch+json",
        serialize=False,
    )
    _done(response)


def _what(target: Target) -> str:
    where = f"{target['namespace']}/" if target.get("namespace") else ""
    return f"{target['kind']} {where}{target.get('name') or '?'}"


# --- JSON pointers ---------------------------------------------------------------------


def pointer_tokens(path: str) -> list[str]:
    """Split an RFC 6901 JSON pointer into its unescaped tokens."""
    if not path.startswith("/"):
        raise UndoError(f"not a JSON pointer: {path!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def lookup(obj: Any, path: str) -> tuple[bool, Any]:
    """(present, value) of the JSON pointer `path` in `obj`."""
    node = obj
    for token in pointer_tokens(path):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


# --- the verbs -------------------------------------------------------------------------


def delete_created(dyn: Any, data: DeleteCreated, dry_run: bool) -> Result:
    """Delete exactly the object this entry created: it must carry this run's and this
    entry's labels, and the uid recorded once the API server assigned it."""
    target = data["target"]
    selector = entry_selector(data)
    resource = _resource(dyn, target)
    check_scope(target, resource.namespaced, name_required=False)
    if target.get("name"):
        current = _read(dyn, resource, target, target["name"])
        found = [current] if current is not None else []
    else:
        # Recorded before the API server named it (generateName): find it by its labels.
        found = _list(dyn, resource, target, selector)
    if len(found) > 1:
        raise Refused(f"{len(found)} objects carry the labels of one entry ({selector})")
    if not found or (target.get("uid") and found[0]["metadata"].get("uid") != target["uid"]):
        return Result(ALREADY_RESTORED, f"{_what(target)} no longer exists")
    check_created_by_entry(found[0], data)
    if dry_run:
        return Result(WOULD_RESTORE, f"would delete {_what(target)}")
    if _delete_exact(dyn, resource, target, found[0]):
        return Result(RESTORED, f"deleted {_what(target)}")
    return Result(ALREADY_RESTORED, f"{_what(target)} no longer exists")


def _delete_exact(dyn: Any, resource: Any, target: Target, obj: dict[str, Any]) -> bool:
    """Delete `obj` if it is still that very object; True if this call deleted it."""
    name, uid = obj["metadata"]["name"], obj["metadata"]["uid"]
    body = {"preconditions": {"uid": uid}, "propagationPolicy": "Background"}
    try:
        response = retrying(
            lambda: resource.delete(
                name=name, namespace=_namespace(resource, target), body=body, serialize=False
            ),
            policy=_RETRY,
        )
        _done(response)
    except Exception as exc:
        if status_of(exc) not in (404, 409):  # gone, or replaced by an object that is not ours
            raise
        return False
    # Verify: gone, replaced by another object, or terminating (finalizers, grace period).
    after = _read(dyn, resource, target, name)
    if (
        after
        and after["metadata"].get("uid") == uid
        and not after["metadata"].get("deletionTimestamp")
    ):
        raise UndoError(f"{_what(target)} still exists after delete")
    return True


def _field_states(
    current: dict[str, Any], fields: list[FieldChange]
) -> tuple[list[FieldChange], list[FieldChange], list[FieldChange]]:
    """Split recorded fields into (already original, still undertow's value, changed since)."""
    original: list[FieldChange] = []
    chaos: list[FieldChange] = []
    changed: list[FieldChange] = []
    for field in fields:
        state = lookup(current, field["path"])
        if state == (field["original_present"], field["original"]):
            original.append(field)
        elif state == (field["set_present"], field["set"]):
            chaos.append(field)
        else:
            changed.append(field)
    return original, chaos, changed


def _restore_ops(fields: list[FieldChange]) -> list[Any]:
    """Put `fields` back, each only if it still holds undertow's value (`test` ops)."""
    ops: list[Any] = []
    for field in fields:
        path = field["path"]
        if field["set_present"]:
            ops.append({"op": "test", "path": path, "value": field["set"]})
            if field["original_present"]:
                ops.append({"op": "replace", "path": path, "value": field["original"]})
            else:
                ops.append({"op": "remove", "path": path})
        elif field["original_present"]:
            ops.append({"op": "add", "path": path, "value": field["original"]})
    return ops


def restore_fields(dyn: Any, data: RestoreFields, dry_run: bool) -> Result:
    """Put back the fields undertow changed, only where they still hold undertow's value."""
    target = data["target"]
    resource = _resource(dyn, target)
    check_scope(target, resource.namespaced)
    require_uid(target)
    paths = ", ".join(f["path"] for f in data["fields"])
    for _attempt in range(_ATTEMPTS):
        current = _read(dyn, resource, target, target["name"])
        if current is None or current["metadata"].get("uid") != target["uid"]:
            return Result(GONE, f"{_what(target)} no longer exists; nothing to restore")
        _, chaos, changed = _field_states(current, data["fields"])
        conflict = ", ".join(f["path"] for f in changed)
        if not chaos:
            if changed:
                return Result(
                    CONFLICT,
                    f"{_what(target)}: {conflict} changed by someone else since; left alone",
                )
            return Result(ALREADY_RESTORED, f"{_what(target)}: {paths} already original")
        if dry_run:
            return Result(WOULD_RESTORE, f"would restore {paths} of {_what(target)}")
        try:
            _json_patch(dyn, resource, target, _restore_ops(chaos))
        except Exception as exc:
            if _may_retry_patch(exc):
                time.sleep(0.1 * (_attempt + 1))
                continue  # changed meanwhile, or unknown whether applied: re-read, decide again
            raise
        after = _read(dyn, resource, target, target["name"])
        if after is None:
            return Result(GONE, f"{_what(target)} was deleted meanwhile")
        not_back = [f["path"] for f in chaos if f not in _field_states(after, chaos)[0]]
        if not_back:
            raise UndoError(f"{_what(target)}: {', '.join(not_back)} not restored on re-read")
        if changed:
            done = ", ".join(f["path"] for f in chaos)
            return Result(
                CONFLICT, f"{_what(target)}: restored {done}; {conflict} changed since, left alone"
            )
        return Result(RESTORED, f"{_what(target)}: restored {paths}")
    raise UndoError(f"{_what(target)} kept changing while being restored")


def _same_taint(a: dict[str, Any], b: Taint) -> bool:
    return all(a.get(k) == b.get(k) for k in ("key", "value", "effect"))


def remove_taint(dyn: Any, data: RemoveTaint, dry_run: bool) -> Result:
    """Remove exactly the taint undertow added, leaving every other taint alone."""
    target, taint = data["target"], data["taint"]
    if target.get("kind") != "Node":
        raise Refused(f"{_what(target)}: taints are removed from Nodes only")
    resource = _resource(dyn, target)
    check_scope(target, resource.namespaced)
    require_uid(target)
    shown = f"{taint['key']}={taint.get('value') or ''}:{taint['effect']}"
    for _attempt in range(_ATTEMPTS):
        node = _read(dyn, resource, target, target["name"])
        if node is None or node["metadata"].get("uid") != target["uid"]:
            return Result(GONE, f"{_what(target)} no longer exists")
        taints = node.get("spec", {}).get("taints") or []
        found = [i for i, t in enumerate(taints) if _same_taint(t, taint)]
        ops: list[Any] = []
        for i in reversed(found):
            ops.append({"op": "test", "path": f"/spec/taints/{i}", "value": taints[i]})
            ops.append({"op": "remove", "path": f"/spec/taints/{i}"})
        # The annotation set with the taint goes with it, if it still holds undertow's value.
        ops.extend(_restore_ops(_field_states(node, data.get("fields") or [])[1]))
        if not found and (dry_run or not ops):
            return Result(ALREADY_RESTORED, f"{_what(target)} has no taint {shown}")
        if dry_run:
            return Result(WOULD_RESTORE, f"would remove taint {shown} from {_what(target)}")
        try:
            _json_patch(dyn, resource, target, ops)
        except Exception as exc:
            if _may_retry_patch(exc):
                time.sleep(0.1 * (_attempt + 1))
                continue
            raise
        if not found:
            return Result(ALREADY_RESTORED, f"{_what(target)} has no taint {shown}")
        after = _read(dyn, resource, target, target["name"]) or {}
        if any(_same_taint(t, taint) for t in after.get("spec", {}).get("taints") or []):
            raise UndoError(f"taint {shown} still on {_what(target)} after removal")
        return Result(RESTORED, f"removed taint {shown} from {_what(target)}")
    raise UndoError(f"{_what(target)} kept changing while its taint was removed")


def recreate_deleted(dyn: Any, data: RecreateDeleted, dry_run: bool) -> Result:
    """Recreate a deleted object from its snapshot, when the scenario asked for it.

    The create comes first (an object that exists again answers 409, read then to tell a
    replacement from one still terminating): one request where reading first took two. The
    object the API server answers the create with is the stored object, re-read from its
    storage: that answer is the verification.
    """
    target = data["target"]
    if not data.get("restore"):
        return Result(NOTHING_TO_UNDO, f"{_what(target)} was deleted on purpose; record only")
    resource = _resource(dyn, target)
    check_scope(target, resource.namespaced)
    check_snapshot(data, resource.namespaced)
    if dry_run:
        if _exists_again(_read(dyn, resource, target, target["name"])):
            return Result(ALREADY_RESTORED, f"{_what(target)} exists again")
        return Result(WOULD_RESTORE, f"would recreate {_what(target)} from its snapshot")
    created = _create_unless_there(dyn, resource, target, data["snapshot"])
    if created is None:
        existing = _read(dyn, resource, target, target["name"])
        if existing is None or _exists_again(existing):
            return Result(ALREADY_RESTORED, f"{_what(target)} exists again")
        _wait_gone(dyn, resource, target)
        created = _create_unless_there(dyn, resource, target, data["snapshot"])
        if created is None:
            return Result(ALREADY_RESTORED, f"{_what(target)} exists again")
    meta = created.get("metadata") or {}
    if meta.get("name") != target["name"] or not meta.get("uid"):
        raise UndoError(f"{_what(target)}: the API server's answer to its creation is not it")
    return Result(RESTORED, f"recreated {_what(target)} from its snapshot")


def _create_unless_there(
    dyn: Any, resource: Any, target: Target, snapshot: Any
) -> dict[str, Any] | None:
    """The created object, or None when one of that name exists: the create answered 409, or
    refused a field the existing object holds (a Service's cluster IP: 422). A run killed
    between journaling a delete and making it leaves the object there, never deleted."""
    try:
        return _create_when_admitted(resource, target, snapshot)
    except Exception:
        if _read(dyn, resource, target, target["name"]) is None:
            raise
        return None


def _exists_again(obj: dict[str, Any] | None) -> bool:
    return obj is not None and not obj["metadata"].get("deletionTimestamp")


def signalled_container(data: SignalledContainer, dry_run: bool) -> Result:
    """A record only: the kubelet restarts a signalled container, there is nothing to put back
    (and no need to reach the cluster to say so)."""
    return Result(
        NOTHING_TO_UNDO,
        f"signal {data['signal']} was sent to container {data['container']} of "
        f"{_what(data['target'])}; the kubelet restarts it; record only",
    )


def revert_in_helper(dyn: Any, data: RevertInHelper, dry_run: bool) -> Result:
    """Run the recorded undo script in undertow's helper pod (it reaches the target's network
    namespace), then check that the state it prints is the state recorded before the change.
    A helper that is not running has removed the change itself: its command runs the same
    script when it ends or is stopped (or, still pending, never made the change)."""
    target = data["target"]
    resource = _resource(dyn, target)
    check_scope(target, resource.namespaced)
    pod = _read(dyn, resource, target, target["name"])
    if pod is None or (target.get("uid") and pod["metadata"].get("uid") != target["uid"]):
        return Result(ALREADY_RESTORED, f"{_what(target)} is gone: it removed its change")
    if ((pod["metadata"].get("labels") or {}).get(RUN_LABEL)) != data.get("run_id"):
        raise Refused(f"{_what(target)} is not a helper pod of the run that recorded this")
    if not _helper_running(pod, data["container"]):
        return Result(ALREADY_RESTORED, f"{_what(target)} is not running: its change is gone")
    if dry_run:
        return Result(WOULD_RESTORE, f"would run the recorded undo in {_what(target)}")
    try:
        code, out, err = retrying(
            lambda: exec_in_pod(
                dyn.client,
                str(target["namespace"]),
                target["name"],
                data["container"],
                ["/bin/sh", "-c", data["undo"] + "\n" + data["state"]],
                timeout=_HELPER_EXEC_SECONDS,
            ),
            policy=_RETRY,
        )
    except Exception as exc:
        if _helper_stopped(dyn, resource, target, data["container"]):
            return Result(ALREADY_RESTORED, f"{_what(target)} stopped: it removed its change")
        raise UndoError(f"cannot run the undo in {_what(target)}: {exc}") from exc
    if code is None:
        if _helper_stopped(dyn, resource, target, data["container"]):
            return Result(ALREADY_RESTORED, f"{_what(target)} stopped: it removed its change")
        raise UndoError(f"the undo in {_what(target)} gave no exit status: {err.strip()}")
    if code != 0:
        raise UndoError(f"the undo in {_what(target)} failed (exit {code}): {err.strip()}")
    if out != data["before"]:
        raise UndoError(
            f"after the undo in {_what(target)} the state differs from before:\n"
            f"--- before\n{data['before']}--- now\n{out}"
        )
    return Result(RESTORED, f"removed the change through {_what(target)}; state as before")


def _helper_running(pod: dict[str, Any], container: str) -> bool:
    """The helper pod is Running and its container has not ended."""
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    states = [c for c in status.get("containerStatuses") or [] if c.get("name") == container]
    return bool(states and (states[0].get("state") or {}).get("running"))


def _helper_stopped(dyn: Any, resource: Any, target: Target, container: str) -> bool:
    """Whether the helper has stopped, waiting a little: an exec that failed may have met a
    container that was just ending, before the kubelet says so."""
    deadline = time.monotonic() + _VERIFY_SECONDS
    while True:
        after = _read(dyn, resource, target, target["name"])
        if after is None or not _helper_running(after, container):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def _wait_gone(dyn: Any, resource: Any, target: Target, seconds: float = _SETTLE_SECONDS) -> None:
    """Wait until a terminating object has really gone, so it can be created again."""
    deadline = time.monotonic() + seconds
    while _read(dyn, resource, target, target["name"]) is not None:
        if time.monotonic() > deadline:
            raise UndoError(f"{_what(target)} is still terminating after {seconds:.0f}s")
        time.sleep(0.5)


def _create_when_admitted(resource: Any, target: Target, snapshot: Any) -> dict[str, Any] | None:
    """Create the object, waiting out refusals that only mean "not yet" (see above); the
    stored object, or None when one of that name exists (409)."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    while True:
        try:
            response = retrying(
                lambda: resource.create(
                    body=snapshot, namespace=_namespace(resource, target), serialize=False
                ),
                policy=_RETRY,
            )
            return _body(response)
        except Exception as exc:
            if status_of(exc) == 409:
                return None
            refusal = str(getattr(exc, "body", "") or exc)
            not_yet = status_of(exc) in (403, 404) and any(m in refusal for m in _NOT_YET_ADMITTED)
            if not not_yet or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
