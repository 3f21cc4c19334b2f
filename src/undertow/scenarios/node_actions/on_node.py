"""Faults a privileged helper pod makes on the node itself: stop or restart its kubelet
(`kubelet` has the pod's script), crash its kernel.

Each helper pod is journaled before it is created (undo: delete it). A kubelet stop is
journaled again before it happens (`resume_kubelet`, recorded before the pod is told to go),
with the time the helper's own timer starts the kubelet again. A kernel crash has no undo:
the node reboots, or not; it is refused on a node that runs on this machine's kernel.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from undertow.config.helper_pods import HelperPods
from undertow.errors import ScenarioError
from undertow.kube.exec import exec_in_container
from undertow.kube.refs import ObjectRef
from undertow.rollback.client import Change
from undertow.scenarios.base import RunContext
from undertow.scenarios.common.helper_files import read_when_written
from undertow.scenarios.common.helper_pod import helper_pod
from undertow.scenarios.common.status import Obj, labels_of, name_of
from undertow.scenarios.common.waiting import wait_until
from undertow.scenarios.node_actions.kubelet import (
    GO_FILE,
    HELPER_IMAGE,
    HELPER_NAMESPACE,
    HOW_FILE,
    KubeletMode,
    kubelet_pod,
    parse_how,
)
from undertow.scenarios.node_actions.spec import HELPER_ACTIONS
from undertow.undo.records import ResumeKubelet

POLL_SECONDS = 0.5
RESUME_SLACK_SECONDS = 5.0
"""Added to the helper's timer in the journal: the pod is told to go just after the record."""
REAL_NODE_LABEL = "undertow.io/real-node"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
CRASH_COMMAND = ["sh", "-c", "echo c > /proc/sysrq-trigger"]
RESTART_REFUSAL = (
    "restart_kubelet needs systemd on the node (found {how}): without it, a kubelet ended "
    "with SIGTERM would not be started again by anyone; stop_start_kubelet works there"
)


def _how(ctx: RunContext, ref: ObjectRef) -> str:
    """What the helper found out (`HOW_FILE`), once it is running."""
    return read_when_written(
        ctx.kube.api, ref, HOW_FILE, what="kubelet helper", clock=ctx.clock, cancel=ctx.cancel
    ).strip()


def _launch(ctx: RunContext, node: str, mode: KubeletMode, seconds: float) -> tuple[Obj, str]:
    """The helper pod, running, and how it would stop the kubelet (refused ones removed)."""
    name = f"undertow-kubelet-{secrets.token_hex(4)}"
    pod = ctx.kube.create(kubelet_pod(name, node, mode, seconds, ctx.helpers))
    try:
        how = _how(ctx, ObjectRef.of(pod))
    except BaseException:
        ctx.kube.revert(pod)
        raise
    kind, _ = parse_how(how)
    refusal = ""
    if kind not in ("systemd", "signal"):
        refusal = f"node {node}: no kubelet to stop ({how})"
    elif mode == "restart" and kind != "systemd":
        refusal = f"node {node}: " + RESTART_REFUSAL.format(how=how)
    if refusal:
        ctx.kube.revert_or_fail(pod, failure=f"could not remove the helper {name}")
        raise ScenarioError(refusal)
    return pod, how


def stop_kubelet(ctx: RunContext, node: str, seconds: float) -> tuple[Change, Obj, str]:
    """Stop `node`'s kubelet for `seconds`: the resume change and the helper pod to revert,
    in that order, and how it was stopped."""
    pod, how = _launch(ctx, node, "stop", seconds)
    ref = ObjectRef.of(pod)
    record: ResumeKubelet = {
        "action": "resume_kubelet",
        "description": f"start the kubelet of node {node} again ({how}; helper pod {ref})",
        "node": node,
        "resume_by": ctx.clock.wall() + seconds + RESUME_SLACK_SECONDS,
    }
    change, result = ctx.kube.exec_change(ref, record, pod, "fault", ["touch", GO_FILE], timeout=30)
    if result.returncode != 0:
        ctx.kube.revert_each([change, pod])
        raise ScenarioError(f"could not tell the kubelet helper to go: {result.stderr.strip()}")
    return change, pod, how


def restart_kubelet(ctx: RunContext, node: str, timeout: float) -> None:
    """`systemctl restart kubelet` on `node` (systemd nodes only), then remove the helper."""
    pod, _ = _launch(ctx, node, "restart", 0)
    ref = ObjectRef.of(pod)
    try:
        result = exec_in_container(
            ctx.kube.api, str(ref.namespace), ref.name, "fault", ["touch", GO_FILE]
        )
        if result.returncode != 0:
            raise ScenarioError(f"could not tell the kubelet helper to go: {result.stderr}")
        ended = wait_until(
            lambda: (
                (ctx.kube.api.get(ref).get("status") or {}).get("phase") in ("Succeeded", "Failed")
            ),
            timeout=timeout,
            interval=POLL_SECONDS,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
        if not ended.done and not ended.cancelled:
            raise ScenarioError(f"the kubelet restart on {node} did not finish in {timeout:g}s")
    finally:
        ctx.kube.revert_or_fail(pod, failure=f"could not remove the helper {ref.name}")


def shared_kernel(node: Obj, boot_id: str) -> str:
    """Why crashing this node's kernel would crash this machine's, or "" if it would not."""
    if labels_of(node).get(REAL_NODE_LABEL) == "true":
        return (
            f"node {name_of(node)} is the local cluster's real node: it runs on this machine's "
            "kernel, so a kernel crash there would crash this machine"
        )
    node_boot = str(((node.get("status") or {}).get("nodeInfo") or {}).get("bootID") or "")
    if boot_id and node_boot == boot_id:
        return (
            f"node {name_of(node)} reports this machine's boot id ({boot_id}): it shares this "
            "machine's kernel, so a kernel crash there would crash this machine"
        )
    return ""


def refusals(actions: Sequence[str], nodes: Sequence[Obj], boot_id: str) -> list[str]:
    """Why the helper actions among `actions` cannot run on `nodes` (empty: they can)."""
    helper = [a for a in actions if a in HELPER_ACTIONS]
    found = []
    for node in nodes if helper else []:
        annotations = (node.get("metadata") or {}).get("annotations") or {}
        if annotations.get("kwok.x-k8s.io/node") == "fake":
            found.append(f"node {name_of(node)} is a kwok node: it has no kubelet or kernel")
        elif "node_crash_scenario" in helper and (why := shared_kernel(node, boot_id)):
            found.append(why)
    return found


def this_boot_id() -> str:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:
        return ""


def crash_pod(name: str, node: str, helpers: HelperPods, timeout: float) -> dict[str, Any]:
    """The privileged pod on `node` that writes `c` to /proc/sysrq-trigger (Krkn's crash)."""
    return helper_pod(
        name=name,
        namespace=HELPER_NAMESPACE,
        image=HELPER_IMAGE,
        command=CRASH_COMMAND,
        duration=timeout,
        helpers=helpers,
        node=node,
        labels={"undertow.io/fault": "node-crash"},
        tolerations=[{"operator": "Exists"}],
        privileged=True,
    )


def crash_node(ctx: RunContext, node: str, timeout: float) -> Obj:
    """Create the crash pod (journaled: delete it); the node goes down with it."""
    pod = ctx.kube.create(
        crash_pod(f"undertow-crash-{secrets.token_hex(4)}", node, ctx.helpers, timeout)
    )
    return pod
