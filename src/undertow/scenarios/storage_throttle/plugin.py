"""`storage_throttle_scenarios`: limit the IO of the container that mounts a PVC, through its
cgroup (v1 `blkio.throttle.*`, v2 `io.max`), from a privileged helper pod on its node.

Order of events: the helper pod is created (journaled: delete it), reads the current limits
of the volume's block device and waits; those values go into a `restore_node_files` version
file; only then is the pod told to write the limits (see `cgroup`). The normal end writes
the previous values back from inside the pod (the same undo step as a rollback), then
deletes the pod; the pod's own trap writes them back too if it is deleted or expires first.
"""

from __future__ import annotations

import random
import secrets

from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.kube.exec import exec_in_container
from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.claims import Mount, find_mount
from undertow.scenarios.common.helper_files import read_when_written
from undertow.scenarios.common.helper_pod import helper_pod
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.storage_throttle.cgroup import (
    GO_FILE,
    GO_TIMEOUT,
    PREV_FILE,
    device_of,
    parse_prev,
    throttle_command,
)
from undertow.scenarios.storage_throttle.spec import StorageThrottle, StorageThrottleSpec
from undertow.undo.records import RestoreNodeFiles

HOLD_MARGIN = 30
"""Seconds the helper pod holds the limits past `duration` on its own: the normal end is
undertow writing the values back; the pod's own timer is the backstop if undertow is gone."""


def target_of(api: KubeApi, throttle: StorageThrottle, rng: random.Random) -> Mount:
    mount = find_mount(api, throttle.namespace, throttle.pvc_name, throttle.pod_name, rng)
    if throttle.mount_path and throttle.mount_path != mount.path:
        raise ScenarioError(
            f"mount_path {throttle.mount_path}: the claim {mount.claim} is mounted at "
            f"{mount.path} in pod {name_of(mount.pod)}"
        )
    return mount


def _exec(api: KubeApi, pod: Obj, container: str, command: list[str]) -> str:
    meta = pod["metadata"]
    result = exec_in_container(api, meta["namespace"], meta["name"], container, command)
    if result.returncode != 0:
        raise ScenarioError(
            f"`{' '.join(command)}` failed in pod {meta['name']}: "
            f"{(result.stderr or result.stdout).strip()}"
        )
    return result.stdout


def block_device(api: KubeApi, mount: Mount) -> str:
    """MAJ:MIN of the volume, read from the container's own mount table."""
    table = _exec(api, mount.pod, mount.container, ["cat", "/proc/self/mountinfo"])
    device, fs_type = device_of(table, mount.path)
    if device.startswith("0:"):
        raise ScenarioError(
            f"{mount.shown} is on {fs_type} (device {device}), not a block device: "
            "cgroup IO limits apply to block devices only"
        )
    return device


def container_id(mount: Mount) -> str:
    for status in (mount.pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == mount.container and status.get("containerID"):
            return str(status["containerID"]).split("://", 1)[-1]
    raise ScenarioError(f"{mount.shown}: the container has no id yet")


class StorageThrottlePlugin:
    scenario_type = "storage_throttle_scenarios"
    summary = "Limit a PVC's IO (iops, bandwidth) in its container's cgroup, then restore it"
    spec_model = StorageThrottleSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def plan(self, ctx: PlanContext, spec: StorageThrottleSpec) -> list[str]:
        throttle = spec.storage_throttle_scenario
        try:
            mount = target_of(ctx.api, throttle, self._rng)
        except ScenarioError as exc:
            return [f"would fail: {exc}"]
        limits = ", ".join(f"{k}={v}" for k, v in throttle.limits().items())
        return [
            f"limit IO of {mount.shown} (PVC {throttle.namespace}/{mount.claim}) in its cgroup "
            f"({limits}) from a privileged pod on node {mount.pod['spec'].get('nodeName')}, "
            f"for {throttle.duration:g}s, then write the previous values back",
            *ctx.refusals(
                f"PVC {throttle.namespace}/{mount.claim}",
                field="storage_throttle_scenario.namespace",
                count=1,
                namespaces=[throttle.namespace],
            ),
        ]

    def run(self, ctx: RunContext, spec: StorageThrottleSpec) -> ScenarioResult:
        throttle = spec.storage_throttle_scenario
        api = ctx.kube.api
        mount = target_of(api, throttle, self._rng)
        ctx.selected(
            f"PVC {throttle.namespace}/{mount.claim} at {mount.shown}",
            field="storage_throttle_scenario.namespace",
            pvcs=[f"{throttle.namespace}/{mount.claim}"],
        )
        device, cid = block_device(api, mount), container_id(mount)
        node = str((mount.pod.get("spec") or {}).get("nodeName") or "")
        targets = [f"{throttle.namespace}/{mount.claim}"]
        manifest = helper_pod(
            name=f"undertow-io-throttle-{secrets.token_hex(4)}",
            namespace=throttle.namespace,
            image=throttle.image,
            command=throttle_command(
                cid, device, throttle.duration + HOLD_MARGIN, throttle.limits()
            ),
            duration=throttle.duration + HOLD_MARGIN + GO_TIMEOUT,
            helpers=ctx.helpers,
            node=node,
            labels={"undertow.io/fault": "io-throttle"},
            tolerations=[{"operator": "Exists"}],
            volumes=[{"name": "cgroup", "hostPath": {"path": "/sys/fs/cgroup"}}],
            mounts=[{"name": "cgroup", "mountPath": "/host-cgroup"}],
            privileged=True,
        )
        pod = ctx.kube.create(manifest)
        ref = ObjectRef.of(pod)
        prev = self._previous(ctx, ref)
        record: RestoreNodeFiles = {
            "action": "restore_node_files",
            "description": f"write back the IO limits of {mount.shown} on node {node}",
            "container": "fault",
            "files": prev,
        }
        change, result = ctx.kube.exec_change(
            ref, record, api.get(ref), "fault", ["touch", GO_FILE], timeout=30
        )
        if result.returncode != 0:
            ctx.kube.revert_each([change, ref])
            return ScenarioResult(False, f"could not start the throttle: {result.stderr}", targets)
        ctx.emit(
            "io.throttled",
            f"IO of {mount.shown} limited on device {device}: "
            + ", ".join(f"{k}={v}" for k, v in throttle.limits().items()),
            device=device,
            files=[f["path"] for f in prev],
        )
        ctx.cancel.wait(throttle.duration)
        report = ctx.kube.revert_each([change, ref])
        if not report.complete:
            return ScenarioResult(False, f"clean-up incomplete: {report.why_incomplete()}", targets)
        ctx.emit("io.restored", f"IO limits of {mount.shown} written back", device=device)
        if ctx.cancel.cancelled:
            return ScenarioResult(False, "cancelled", targets)
        return ScenarioResult(
            True,
            f"IO of PVC {throttle.namespace}/{mount.claim} limited for {throttle.duration:g}s "
            "and written back",
            targets,
        )

    def _previous(self, ctx: RunContext, ref: ObjectRef) -> list[dict[str, str]]:
        """The limits the helper pod read before changing anything."""
        text = read_when_written(
            ctx.kube.api, ref, PREV_FILE, what="throttle pod", clock=ctx.clock, cancel=ctx.cancel
        )
        return parse_prev(text)


plugin = StorageThrottlePlugin()
