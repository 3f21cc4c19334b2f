"""The undo of a kubelet stopped by undertow's helper pod: `resume_kubelet`.

A stopped (or frozen) kubelet cannot act on anything the API server asks: not a pod
deletion, not an exec. So the helper pod is its own dead-man: its command stops the kubelet,
sleeps, and starts it again, and a trap starts it again if the pod is stopped first. Nothing
outside the node can reach the helper while the kubelet is down, so the undo cannot be
quicker than that timer; it deletes the helper (which resumes the kubelet at once if the
kubelet is still up, e.g. the stop never happened) and then waits, until the time the
helper's timer was recorded to fire plus a margin, for the node to be Ready again and the
helper to be gone. Either not seen in time: the undo fails and stays pending.
"""

import time
from typing import Any

from undertow.undo.guards import Refused, check_scope
from undertow.undo.k8s import _delete_exact, _read, _resource, _what
from undertow.undo.labels import RUN_LABEL
from undertow.undo.outcome import ALREADY_RESTORED, RESTORED, WOULD_RESTORE, Result, UndoError
from undertow.undo.records import ResumeKubelet, Target

RESUME_MARGIN_SECONDS = 60.0
"""How long past the helper's own timer the node may take to report Ready and remove it."""
_RESUME_POLL_SECONDS = 1.0
_CONDITION_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")


def _node_ready(dyn: Any, node: str) -> bool:
    """Ready, and no taint left from being NotReady or unreachable."""
    target: Target = {
        "api_version": "v1",
        "kind": "Node",
        "name": node,
        "namespace": None,
        "uid": None,
    }
    live = _read(dyn, _resource(dyn, target), target, node)
    if live is None:
        return False
    conditions = (live.get("status") or {}).get("conditions") or []
    taints = (live.get("spec") or {}).get("taints") or []
    return any(
        c.get("type") == "Ready" and c.get("status") == "True" for c in conditions
    ) and not any(t.get("key") in _CONDITION_TAINTS for t in taints)


def resume_kubelet(dyn: Any, data: ResumeKubelet, dry_run: bool) -> Result:
    """Delete the helper pod, then wait for its node to be Ready and the pod gone."""
    target, node = data["target"], data["node"]
    pods = _resource(dyn, target)
    check_scope(target, pods.namespaced)
    helper = _read(dyn, pods, target, target["name"])
    if helper is not None and target.get("uid") and helper["metadata"].get("uid") != target["uid"]:
        helper = None
    if helper is not None and (helper["metadata"].get("labels") or {}).get(RUN_LABEL) != data.get(
        "run_id"
    ):
        raise Refused(f"{_what(target)} is not a helper pod of the run that recorded this")
    if helper is None and _node_ready(dyn, node):
        return Result(ALREADY_RESTORED, f"{_what(target)} is gone and node {node} is Ready")
    deadline = data["resume_by"] + RESUME_MARGIN_SECONDS
    if dry_run:
        return Result(
            WOULD_RESTORE,
            f"would delete {_what(target)} and wait for node {node} to be Ready (the helper "
            f"starts its kubelet again by {time.ctime(data['resume_by'])} at the latest)",
        )
    if helper is not None:
        _delete_exact(dyn, pods, target, helper)
    while True:
        gone = _read(dyn, pods, target, target["name"]) is None
        if gone and _node_ready(dyn, node):
            return Result(RESTORED, f"node {node}'s kubelet runs again; {_what(target)} is gone")
        if time.time() > deadline:
            what = "Ready" if gone else f"Ready with {_what(target)} gone"
            raise UndoError(
                f"node {node} is not {what} {RESUME_MARGIN_SECONDS:.0f}s after the helper's "
                "own timer should have started its kubelet again"
            )
        time.sleep(_RESUME_POLL_SECONDS)
