"""`pvc_scenarios`: fill a PersistentVolumeClaim to `fill_percentage` for `duration` seconds,
by writing one file from inside a pod that mounts it (as Krkn does), then remove that file.

The file's name (`undertow-fill-<hex>.tmp`, never a name the workload could own) is in the
version file before it is written; the undo removes exactly that file, from inside a
Running pod that mounts the claim, or, when none does any more, from a short-lived helper
pod that mounts it as the writer did (`undertow.undo.fill_helper`). A fill the volume
cannot take (usage already at or above the target) fails before anything is written.
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
from undertow.scenarios.common.status import name_of
from undertow.scenarios.pvc.spec import PvcScenarioSpec
from undertow.scenarios.pvc.volume import (
    DF_COMMAND,
    Usage,
    bytes_to_fill,
    fill_command,
    parse_df,
)
from undertow.undo.records import RemoveFile

FILL_TIMEOUT = 600.0
"""Seconds the write may take (dd of a large volume is slow)."""


def measure(api: KubeApi, mount: Mount) -> Usage:
    """The volume's usage, by `df` inside the pod."""
    meta = mount.pod["metadata"]
    result = exec_in_container(
        api, meta["namespace"], meta["name"], mount.container, [*DF_COMMAND, mount.path]
    )
    if result.returncode != 0:
        raise ScenarioError(
            f"`df` failed in {mount.shown}: {(result.stderr or result.stdout).strip()}"
        )
    return parse_df(result.stdout)


def record_writer(record: RemoveFile, mount: Mount) -> None:
    """Add how the writing pod runs, for a helper pod that mounts the claim the same way when
    no running pod mounts it any more (its node, the container's image and user, tolerations)."""
    spec = mount.pod.get("spec") or {}
    container = next(c for c in spec.get("containers") or [] if c["name"] == mount.container)
    record["node"] = str(spec.get("nodeName") or "")
    record["image"] = str(container["image"])
    if spec.get("tolerations"):
        record["tolerations"] = list(spec["tolerations"])
    if spec.get("imagePullSecrets"):
        record["image_pull_secrets"] = list(spec["imagePullSecrets"])
    if container.get("securityContext"):
        record["security_context"] = dict(container["securityContext"])
    if spec.get("securityContext"):
        record["pod_security_context"] = dict(spec["securityContext"])


class PvcFillPlugin:
    scenario_type = "pvc_scenarios"
    summary = "Fill a PersistentVolumeClaim to a percentage with one file, then remove it"
    spec_model = PvcScenarioSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def plan(self, ctx: PlanContext, spec: PvcScenarioSpec) -> list[str]:
        fill = spec.pvc_scenario
        try:
            mount = find_mount(ctx.api, fill.namespace, fill.pvc_name, fill.pod_name, self._rng)
        except ScenarioError as exc:
            return [f"would fail: {exc}"]
        return [
            f"fill PVC {fill.namespace}/{mount.claim} to {fill.fill_percentage:g}% with one "
            f"file undertow-fill-<hex>.tmp written at {mount.shown} (fallocate, else dd), "
            f"keep it {fill.duration:g}s, then remove it",
            *ctx.refusals(
                f"PVC {fill.namespace}/{mount.claim}",
                field="pvc_scenario.namespace",
                count=1,
                namespaces=[fill.namespace],
            ),
        ]

    def run(self, ctx: RunContext, spec: PvcScenarioSpec) -> ScenarioResult:
        fill = spec.pvc_scenario
        api = ctx.kube.api
        mount = find_mount(api, fill.namespace, fill.pvc_name, fill.pod_name, self._rng)
        ctx.selected(
            f"PVC {fill.namespace}/{mount.claim} at {mount.shown}",
            field="pvc_scenario.namespace",
            pvcs=[f"{fill.namespace}/{mount.claim}"],
        )
        before = measure(api, mount)
        size = bytes_to_fill(before, fill.fill_percentage)
        name = f"undertow-fill-{secrets.token_hex(8)}.tmp"
        path = f"{mount.path.rstrip('/')}/{name}"
        claim = api.get(ObjectRef("v1", "PersistentVolumeClaim", mount.claim, fill.namespace))
        record: RemoveFile = {
            "action": "remove_file",
            "description": f"remove {name} from PVC {fill.namespace}/{mount.claim}",
            "pod": name_of(mount.pod),
            "container": mount.container,
            "mount_path": mount.path,
            "sub_path": mount.sub_path,
            "file": name,
        }
        record_writer(record, mount)
        change, result = ctx.kube.exec_change(
            ObjectRef.of(claim),
            record,
            mount.pod,
            mount.container,
            fill_command(path, size, fill.block_size),
            timeout=FILL_TIMEOUT,
        )
        targets = [f"{fill.namespace}/{mount.claim}"]
        metrics = {"used_percent_before": before.percent, "fill_bytes": float(size)}
        if result.returncode != 0:
            ctx.kube.revert(change)
            output = (result.stderr or result.stdout).strip()
            return ScenarioResult(
                False, f"could not write {path}: {output or 'no output'}", targets, metrics
            )
        during = measure(api, mount)
        metrics["used_percent_during"] = during.percent
        ctx.emit(
            "pvc.filled",
            f"PVC {fill.namespace}/{mount.claim} filled from {before.percent:.1f}% to "
            f"{during.percent:.1f}% with {path} ({size} bytes)",
            pvc=mount.claim,
            file=path,
            bytes=size,
            percent=during.percent,
        )
        ctx.cancel.wait(fill.duration)
        report = ctx.kube.revert(change)
        if not report.complete:
            return ScenarioResult(
                False, f"clean-up incomplete: {report.why_incomplete()}", targets, metrics
            )
        after = measure(api, mount)
        metrics["used_percent_after"] = after.percent
        ctx.emit(
            "pvc.emptied",
            f"{path} removed: PVC {fill.namespace}/{mount.claim} at {after.percent:.1f}%",
            pvc=mount.claim,
            percent=after.percent,
        )
        if ctx.cancel.cancelled:
            return ScenarioResult(False, "cancelled", targets, metrics)
        reached = during.percent >= fill.fill_percentage - 1
        summary = (
            f"PVC {fill.namespace}/{mount.claim} held at {during.percent:.1f}% (asked "
            f"{fill.fill_percentage:g}%) for {fill.duration:g}s, back to {after.percent:.1f}%"
        )
        return ScenarioResult(
            reached, summary if reached else f"not reached: {summary}", targets, metrics
        )


plugin = PvcFillPlugin()
