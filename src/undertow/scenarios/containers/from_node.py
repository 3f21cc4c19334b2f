"""Signalling a container whose image has no `kill`, from its node.

A privileged hostPID helper pod pinned to the container's node (journaled before it is
created: delete it) finds the container's main process: among the processes whose
/proc/<pid>/cgroup names the container id (cgroup v1 `.../<id>`, v2 `cri-containerd-<id>.scope`
alike), the one that is pid 1 of its own pid namespace (the last `NSpid` field), and sends it
the signal, then ends. No crictl, no container runtime socket: only /proc. From the host's pid
namespace SIGKILL and SIGSTOP reach a container's init even without a handler; other
signals, as inside, only if it has one.
"""

from __future__ import annotations

import secrets
from typing import Any

from undertow.config.helper_pods import HelperPods
from undertow.errors import ScenarioError
from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import RunContext
from undertow.scenarios.common.helper_pod import helper_pod
from undertow.scenarios.common.status import Obj, namespace_of
from undertow.scenarios.common.waiting import wait_until

HELPER_IMAGE = "busybox"
HELPER_NAMESPACE = "default"
RUN_TIMEOUT = 120.0
POLL_SECONDS = 0.5

SCRIPT = r"""
cid=$1 sig=$2
for p in /proc/[0-9]*; do
  grep -q -- "$cid" "$p/cgroup" 2>/dev/null || continue
  [ "$(awk '/^NSpid:/ {print $NF}' "$p/status" 2>/dev/null)" = 1 ] || continue
  kill -"$sig" "${p#/proc/}" || exit 1
  echo "sent signal $sig to pid ${p#/proc/} (pid 1 of container $cid)"; exit 0
done
echo "no main process of container $cid on this node"; exit 1
"""


def container_id(pod: Obj, container: str) -> str:
    """The runtime's id of `container` (`containerd://<id>` → `<id>`)."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container and status.get("containerID"):
            return str(status["containerID"]).split("://", 1)[-1]
    raise ScenarioError(f"container {container} of pod {namespace_of(pod)} has no id yet")


def signal_pod(name: str, node: str, cid: str, signal: int, helpers: HelperPods) -> dict[str, Any]:
    """The privileged hostPID pod on `node` that signals the container `cid` once."""
    return helper_pod(
        name=name,
        namespace=HELPER_NAMESPACE,
        image=HELPER_IMAGE,
        command=["sh", "-c", SCRIPT.strip(), "signal", cid, str(signal)],
        duration=RUN_TIMEOUT,
        helpers=helpers,
        node=node,
        labels={"undertow.io/fault": "container-signal"},
        tolerations=[{"operator": "Exists"}],
        privileged=True,
        host_pid=True,
    )


def signal_from_node(ctx: RunContext, pod: Obj, container: str, signal: int) -> tuple[str, float]:
    """Signal the main process of `container` from its node: what the helper said, and when
    it was seen done (`ctx.clock.monotonic()`, before the helper is removed). Raises
    ScenarioError when the helper could not do it. The helper pod is removed either way."""
    node = str((pod.get("spec") or {}).get("nodeName") or "")
    if not node:
        raise ScenarioError(f"pod {namespace_of(pod)}: not on a node")
    manifest = signal_pod(
        f"undertow-signal-{secrets.token_hex(4)}",
        node,
        container_id(pod, container),
        signal,
        ctx.helpers,
    )
    helper = ctx.kube.create(manifest)
    ref = ObjectRef.of(helper)
    try:
        phase = _ended(ctx, ref)
        done_at = ctx.clock.monotonic()
        said = ctx.kube.api.pod_log(str(ref.namespace), ref.name).strip()
    finally:
        ctx.kube.revert_or_fail(helper, failure=f"could not remove the helper {ref.name}")
    if phase != "Succeeded":
        raise ScenarioError(f"the helper on node {node} could not signal it: {said or phase}")
    return said, done_at


def _ended(ctx: RunContext, ref: ObjectRef) -> str:
    seen: dict[str, str] = {}

    def ended() -> bool:
        seen["phase"] = str((ctx.kube.api.get(ref).get("status") or {}).get("phase") or "")
        return seen["phase"] in ("Succeeded", "Failed")

    outcome = wait_until(
        ended, timeout=RUN_TIMEOUT, interval=POLL_SECONDS, clock=ctx.clock, cancel=ctx.cancel
    )
    if not outcome.done:
        raise ScenarioError(f"the signal helper {ref.name} did not finish in {RUN_TIMEOUT:g}s")
    return seen["phase"]
