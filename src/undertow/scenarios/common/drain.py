"""Draining a node: evict its pods through the Eviction API, as `kubectl drain` does.

PodDisruptionBudgets are honoured: an eviction the API server refuses (429) is retried
until `timeout`; pods still refused then are reported, never deleted around the budget.
DaemonSet pods (their controller ignores unschedulable) and mirror pods are left alone.
"""

from __future__ import annotations

from undertow import errors
from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import RunContext
from undertow.scenarios.common.status import Obj, is_terminating, meta
from undertow.scenarios.common.targets import pod_key

RETRY_SECONDS = 2.0
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def evictable(pod: Obj) -> bool:
    """A pod drain must move: running work, not a DaemonSet or mirror pod, not finished."""
    if is_terminating(pod) or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if MIRROR_ANNOTATION in (meta(pod).get("annotations") or {}):
        return False
    owners = meta(pod).get("ownerReferences") or []
    return not any(o.get("kind") == "DaemonSet" and o.get("controller") for o in owners)


def drain(ctx: RunContext, node: str, timeout: float) -> tuple[int, list[str]]:
    """Evict every evictable pod on `node`; return (evicted, pods still refused)."""
    listed = ctx.kube.api.list("v1", "Pod", field_selector=f"spec.nodeName={node}")
    pending = {pod_key(p): p for p in listed if evictable(p)}
    evicted = 0
    deadline = ctx.clock.monotonic() + timeout
    while pending:
        for key, pod in list(pending.items()):
            try:
                ctx.kube.evict(ObjectRef.of(pod))
            except errors.NotFound:
                pending.pop(key)
                continue
            except errors.Forbidden as exc:
                if "being terminated" not in str(exc):
                    raise
                pending.pop(key)  # its namespace is being deleted: the pod goes with it
                continue
            except errors.ServerError as exc:
                if exc.status == 429:  # a PodDisruptionBudget forbids it for now
                    continue
                raise
            pending.pop(key)
            evicted += 1
            ctx.emit("pod.evicted", f"evicted {key} from {node}", pod=key, node=node)
        remaining = deadline - ctx.clock.monotonic()
        if not pending or remaining <= 0:
            break
        if ctx.clock.sleep(min(RETRY_SECONDS, remaining), ctx.cancel):
            break
    return evicted, sorted(pending)
