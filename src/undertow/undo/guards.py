"""What an undo may touch: only what its run changed. Pure checks, no I/O.

A version file's data says which object to act on. Read back from disk it is input, not
truth: every verb checks it against the live object before writing anything.

- delete what undertow created: the live object carries this run's and this entry's
  labels (`undertow.io/run-id`, `undertow.io/entry`), and its uid when one was recorded;
- restore patched fields, remove a taint (from a Node only): the live object's uid is the
  one recorded before the patch (no uid recorded, no restore; another uid: the patched
  object is gone, and its replacement is left alone);
- recreate a deleted object: the snapshot is of exactly the target (apiVersion, kind,
  namespace, name); a kind that grants privilege is recreated only when the record is pinned
  to the uid of the object the run deleted, and never when it is cluster-wide;
- an empty name, an empty namespace for a namespaced kind, or an empty label selector is
  never a target (each would widen a call to a whole namespace or the whole cluster).

A check that fails raises `Refused`: nothing was done, and the entry stays pending.
"""

from typing import Any

from undertow.undo.labels import ENTRY_LABEL, RUN_LABEL
from undertow.undo.outcome import UndoError
from undertow.undo.records import DeleteCreated, RecreateDeleted, Target

PRIVILEGED_KINDS = frozenset(
    {
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "CustomResourceDefinition",
        "APIService",
        "CertificateSigningRequest",
        "PriorityClass",
    }
)
"""Kinds whose creation grants (or intercepts) power over the cluster."""


class Refused(UndoError):
    """The undo data does not describe a change its run made; nothing was done."""

    def __init__(self, why: str) -> None:
        super().__init__(f"refused: {why}; the entry stays pending")


def _shown(target: Target) -> str:
    where = f"{target.get('namespace')}/" if target.get("namespace") else ""
    return f"{target.get('kind') or '?'} {where}{target.get('name') or '?'}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def check_scope(target: Target, namespaced: bool, *, name_required: bool = True) -> None:
    """The target names one object: a kind, a name, and a namespace if its kind has one."""
    if not _text(target.get("kind")) or not _text(target.get("api_version")):
        raise Refused(f"{_shown(target)}: no kind or apiVersion")
    if name_required and not _text(target.get("name")):
        raise Refused(f"{_shown(target)}: an empty name is never a target")
    if namespaced and not _text(target.get("namespace")):
        raise Refused(f"{_shown(target)}: a namespaced kind without a namespace")


def entry_selector(data: DeleteCreated) -> str:
    """The label selector of the object this entry created: its run and its entry, both set,
    the run being the one that recorded the entry."""
    labels = data.get("labels") or {}
    run, entry = _text(labels.get(RUN_LABEL)), _text(labels.get(ENTRY_LABEL))
    target = data["target"]
    if not run or not entry:
        raise Refused(f"{_shown(target)}: no run and entry label to recognise it by")
    if data.get("run_id") is not None and data.get("run_id") != run:
        raise Refused(f"{_shown(target)}: its run label is not the run that recorded it")
    return f"{RUN_LABEL}={run},{ENTRY_LABEL}={entry}"


def check_created_by_entry(obj: dict[str, Any], data: DeleteCreated) -> None:
    """`obj` is the object this entry created: this run's and entry's labels, and its uid."""
    target = data["target"]
    entry_selector(data)
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    wanted = data.get("labels") or {}
    if any(labels.get(key) != wanted.get(key) for key in (RUN_LABEL, ENTRY_LABEL)):
        raise Refused(f"{_shown(target)} does not carry this run's and this entry's labels")
    if target.get("uid") and meta.get("uid") != target.get("uid"):
        raise Refused(f"{_shown(target)} is not the object this entry created (another uid)")


def require_uid(target: Target) -> None:
    """A patch is undone only on the object it was made to: its uid must have been recorded
    (before the patch); a live object with another uid is then a replacement, left alone."""
    if not _text(target.get("uid")):
        raise Refused(f"{_shown(target)}: no uid was recorded before the change")


def check_snapshot(data: RecreateDeleted, namespaced: bool) -> None:
    """The snapshot is of exactly the target, and a privileged kind only from a pinned record."""
    target, snap = data["target"], data.get("snapshot")
    if not isinstance(snap, dict):
        raise Refused(f"{_shown(target)}: no snapshot to recreate it from")
    meta: dict[str, Any] = snap.get("metadata") or {}
    if not isinstance(meta, dict):
        raise Refused(f"{_shown(target)}: the snapshot has no metadata")
    same = (
        snap.get("apiVersion") == target.get("api_version")
        and snap.get("kind") == target.get("kind")
        and meta.get("name") == target.get("name")
        and (not namespaced or meta.get("namespace") == target.get("namespace"))
    )
    if not same:
        raise Refused(f"{_shown(target)}: the snapshot is of another object")
    if meta.get("uid") not in (None, target.get("uid")):
        raise Refused(f"{_shown(target)}: the snapshot's uid is not the recorded one")
    if target.get("kind") in PRIVILEGED_KINDS:
        if not namespaced:
            raise Refused(
                f"{_shown(target)}: a cluster-wide {target.get('kind')} is never recreated by "
                "a rollback; recreate it by hand after review"
            )
        if not _text(target.get("uid")):
            raise Refused(
                f"{_shown(target)}: a {target.get('kind')} is recreated only from a record "
                "pinned to the object the run deleted"
            )
