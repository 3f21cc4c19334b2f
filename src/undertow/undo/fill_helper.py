"""Removing a PVC fill's file when no running pod mounts the claim any more.

The pod that wrote the file may be gone (deleted, rescheduled, its Deployment scaled to 0):
then a short-lived helper pod of undertow's mounts the claim (the same subPath), removes
exactly that file and exits; the undo waits for its exit code and deletes it. The helper
runs the writing container's image (it was on that node and has the `sh` the fill ran;
pulled with the writer's imagePullSecrets if need be), its user and its tolerations, on the
node the writer ran on while that node exists (a ReadWriteOnce volume, or a hostPath/local
one, is reachable there). It carries undertow's
labels (`rollback sweep` finds it), `restartPolicy: Never` and `activeDeadlineSeconds`, so
it ends on its own even if this undo is killed; its name comes from the file's, so the next
`rollback execute` removes a helper an interrupted one left before making its own.
"""

import time
from typing import Any

from undertow.undo.guards import Refused
from undertow.undo.k8s import (
    _create_when_admitted,
    _delete_exact,
    _read,
    _resource,
    _wait_gone,
    _what,
)
from undertow.undo.labels import MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_LABEL
from undertow.undo.outcome import ALREADY_RESTORED, RESTORED, WOULD_RESTORE, Result, UndoError
from undertow.undo.records import RemoveFile, Target

HELPER_DEADLINE_SECONDS = 60
"""The helper's `activeDeadlineSeconds`: the kubelet stops it by then, whatever happens."""
HELPER_WAIT_SECONDS = 120.0
"""How long the undo waits for the helper to be scheduled, start and exit."""
HELPER_MOUNT = "/undertow-claim"
REMOVE_SCRIPT = 'if [ -e "$1" ]; then rm -f -- "$1" && [ ! -e "$1" ] && exit 0; exit 1; fi; exit 3'
"""`sh -c REMOVE_SCRIPT - <path>`: exit 0 removed, 3 was not there, anything else failed."""
ABSENT_EXIT = 3


def fill_helper_name(file: str) -> str:
    """`undertow-fill-<hex>.tmp` → `undertow-unfill-<hex>` (a valid pod name)."""
    return "undertow-unfill-" + file.removeprefix("undertow-fill-").removesuffix(".tmp")


def fill_helper_pod(data: RemoveFile, namespace: str, claim: str, node: str) -> dict[str, Any]:
    """The helper pod's manifest (pure): mounts `claim`, removes the recorded file, exits."""
    mount: dict[str, Any] = {"name": "claim", "mountPath": HELPER_MOUNT}
    if data["sub_path"]:
        mount["subPath"] = data["sub_path"]
    container: dict[str, Any] = {
        "name": "remove",
        "image": data.get("image", ""),
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", REMOVE_SCRIPT, "-", f"{HELPER_MOUNT}/{data['file']}"],
        "volumeMounts": [mount],
    }
    if data.get("security_context"):
        container["securityContext"] = data["security_context"]
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "activeDeadlineSeconds": HELPER_DEADLINE_SECONDS,
        "terminationGracePeriodSeconds": 1,
        "automountServiceAccountToken": False,
        "containers": [container],
        "volumes": [{"name": "claim", "persistentVolumeClaim": {"claimName": claim}}],
    }
    if data.get("pod_security_context"):
        spec["securityContext"] = data["pod_security_context"]
    if data.get("tolerations"):
        spec["tolerations"] = data["tolerations"]
    if data.get("image_pull_secrets"):
        spec["imagePullSecrets"] = data["image_pull_secrets"]
    if node:
        term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
        spec["affinity"] = {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
            }
        }
    labels = {MANAGED_BY_LABEL: MANAGED_BY_VALUE, RUN_LABEL: str(data.get("run_id") or "")}
    name = fill_helper_name(data["file"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": spec,
    }


def _target(kind: str, name: str, namespace: str | None) -> Target:
    return {"api_version": "v1", "kind": kind, "name": name, "namespace": namespace, "uid": None}


def _remove_helper(dyn: Any, pods: Any, target: Target) -> None:
    """Delete undertow's helper of that name, if any, and wait until it is gone."""
    live = _read(dyn, pods, target, target["name"])
    if live is None:
        return
    labels = live["metadata"].get("labels") or {}
    if labels.get(MANAGED_BY_LABEL) != MANAGED_BY_VALUE:
        raise Refused(f"{_what(target)} exists and is not undertow's helper")
    _delete_exact(dyn, pods, target, live)
    _wait_gone(dyn, pods, target, HELPER_WAIT_SECONDS)


def _exit_code(dyn: Any, pods: Any, target: Target) -> int:
    """Wait for the helper's container to exit; its exit code."""
    deadline = time.monotonic() + HELPER_WAIT_SECONDS
    while True:
        live = _read(dyn, pods, target, target["name"]) or {}
        status = live.get("status") or {}
        for container in status.get("containerStatuses") or []:
            ended = (container.get("state") or {}).get("terminated")
            if ended:
                return int(ended.get("exitCode", 1))
        if status.get("phase") in ("Succeeded", "Failed") or not live:
            raise UndoError(f"{_what(target)} ended without an exit code: {status}")
        if time.monotonic() > deadline:
            why = [c.get("message") or c.get("reason") for c in status.get("conditions") or []]
            raise UndoError(
                f"{_what(target)} did not finish within {HELPER_WAIT_SECONDS:.0f}s "
                f"(phase {status.get('phase') or 'Pending'}; {'; '.join(filter(None, why))})"
            )
        time.sleep(0.5)


def remove_with_helper(
    dyn: Any, data: RemoveFile, namespace: str, claim: str, dry_run: bool
) -> Result:
    """Remove the fill's file from a helper pod that mounts the claim, then delete the pod."""
    if not data.get("image"):
        raise UndoError(
            f"no running pod mounts PVC {namespace}/{claim}: the file {data['file']} is still "
            "in the volume; run the rollback again once a pod mounts it"
        )
    nodes = _resource(dyn, _target("Node", "", None))
    node = str(data.get("node") or "")
    if node and _read(dyn, nodes, _target("Node", node, None), node) is None:
        node = ""  # the writer's node is gone: wherever the scheduler can mount the claim
    manifest = fill_helper_pod(data, namespace, claim, node)
    target = _target("Pod", manifest["metadata"]["name"], namespace)
    helper = f"helper pod {namespace}/{target['name']}"
    shown = f"{data['file']} from PVC {namespace}/{claim} through {helper}"
    if dry_run:
        return Result(WOULD_RESTORE, f"would remove {shown} (no running pod mounts the claim)")
    pods = _resource(dyn, target)
    _remove_helper(dyn, pods, target)
    if _create_when_admitted(pods, target, manifest) is None:
        raise UndoError(f"{_what(target)} was created by someone else meanwhile")
    try:
        code = _exit_code(dyn, pods, target)
    finally:
        _remove_helper(dyn, pods, target)
    if code == 0:
        return Result(RESTORED, f"removed {shown}")
    if code == ABSENT_EXIT:
        return Result(ALREADY_RESTORED, f"{data['file']} is not in PVC {namespace}/{claim}")
    raise UndoError(f"could not remove {shown} (exit {code})")
