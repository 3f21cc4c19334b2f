"""`hog_scenarios`: run a stress-ng pod (CPU, memory or IO) on each chosen node for
`duration` seconds, then remove every one of them.

Each pod is created through the journaled client (its version file is on disk before the
pod exists; undo: delete exactly that pod), so a normal end, a failure and a rollback after
a crash all remove every hog pod, not only the last one. Each pod also ends its own stress:
stress-ng's `--timeout`, and `activeDeadlineSeconds` = duration + a margin.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping

from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.helper_pod import EXPIRY_MARGIN, pod_phase
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.common.targets import pick, split_names
from undertow.scenarios.common.waiting import wait_until
from undertow.scenarios.hogs.spec import HogSpec
from undertow.scenarios.hogs.stress import hog_pod, stress_command, workers_for

START_TIMEOUT = 120.0
"""Seconds a hog pod may take to start (scheduling, image pull on a real cluster)."""
POLL_SECONDS = 0.5
TERMINAL = ("Succeeded", "Failed")


def _schedulable(node: Obj) -> bool:
    return not (node.get("spec") or {}).get("unschedulable")


def choose_nodes(api: KubeApi, spec: HogSpec, rng: random.Random) -> list[Obj]:
    """Krkn's targeting: `node-name` (each must exist), else `number-of-nodes` schedulable
    nodes matching `node-selector` (all of them by default), or one at random without one."""
    names = split_names(spec.node_name)
    if names:
        listed = {name_of(n): n for n in api.list_nodes()}
        missing = [n for n in names if n not in listed]
        if missing:
            raise ScenarioError(f"node-name: no such node: {', '.join(missing)}")
        return [listed[n] for n in names]
    selector = spec.label_selector
    nodes = [n for n in api.list_nodes(selector or None) if _schedulable(n)]
    if not nodes:
        raise ScenarioError(f"no schedulable node matches node-selector {selector!r}")
    count = spec.number_of_nodes or (len(nodes) if selector else 1)
    return sorted(pick(nodes, count, rng), key=name_of)


def _field(spec: HogSpec) -> str:
    """Where the file chooses the hogged nodes."""
    return "node-name" if spec.node_name else "node-selector"


def _what(spec: HogSpec) -> str:
    if spec.hog_type == "cpu":
        return f"CPU at {spec.cpu_load_percentage}% ({spec.cpu_method})"
    if spec.hog_type == "memory":
        return f"memory {spec.memory_vm_bytes}"
    return (
        f"IO: {spec.io_write_bytes} in {spec.io_block_size} blocks to {spec.io_target_pod_folder}"
    )


class HogPlugin:
    scenario_type = "hog_scenarios"
    summary = "Stress CPU, memory or IO with a stress-ng pod on each chosen node"
    spec_model = HogSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def named_nodes(self, spec: HogSpec) -> list[tuple[tuple[str | int, ...], str]]:
        """The `node-name` names (checked against the cluster at run start)."""
        return [(("node-name",), name) for name in split_names(spec.node_name)]

    def plan(self, ctx: PlanContext, spec: HogSpec) -> list[str]:
        try:
            nodes = choose_nodes(ctx.api, spec, self._rng)
        except ScenarioError as exc:
            return [f"would fail: {exc}"]
        lines = []
        for node in nodes:
            command = " ".join(stress_command(spec, workers_for(spec, node)))
            lines.append(
                f"create a {spec.hog_type} hog pod in {spec.namespace} on node {name_of(node)} "
                f"({_what(spec)}): {command}"
            )
        lines.append(
            f"each pod stops itself after {spec.duration}s (activeDeadlineSeconds "
            f"{spec.duration + EXPIRY_MARGIN}); then every hog pod is deleted"
        )
        return lines + ctx.refusals("nodes to hog", field=_field(spec), count=len(nodes))

    def run(self, ctx: RunContext, spec: HogSpec) -> ScenarioResult:
        nodes = choose_nodes(ctx.kube.api, spec, self._rng)
        ctx.selected(
            f"{spec.hog_type} hog on node(s) {', '.join(map(name_of, nodes))}",
            field=_field(spec),
            nodes=[name_of(n) for n in nodes],
        )
        refs: dict[str, ObjectRef] = {}
        for node in nodes:
            pod = hog_pod(
                spec,
                f"undertow-{spec.hog_type}-hog-{secrets.token_hex(4)}",
                name_of(node),
                workers_for(spec, node),
                ctx.helpers,
            )
            created = ctx.kube.create(pod)
            refs[name_of(node)] = ObjectRef.of(created)
            ctx.emit(
                "hog.created",
                f"{spec.hog_type} hog pod {name_of(created)} on node {name_of(node)}",
                node=name_of(node),
                pod=name_of(created),
            )
        targets = sorted(refs)
        phases = self._watch(ctx, spec, refs)
        report = ctx.kube.revert_each(refs.values())
        ctx.emit("hog.removed", f"{len(refs)} hog pod(s) deleted", complete=report.complete)
        metrics = {"nodes": float(len(refs))}
        failed = sorted(node for node, phase in phases.items() if phase != "Succeeded")
        if not report.complete:
            return ScenarioResult(
                False, f"clean-up incomplete: {report.why_incomplete()}", targets, metrics
            )
        if ctx.cancel.cancelled:
            return ScenarioResult(False, "cancelled", targets, metrics)
        if failed:
            shown = ", ".join(f"{n}: {phases[n]}" for n in failed)
            return ScenarioResult(False, f"hog pods did not complete: {shown}", targets, metrics)
        return ScenarioResult(
            True,
            f"{spec.hog_type} hog ran {spec.duration}s on {len(refs)} node(s): "
            f"{', '.join(targets)}",
            targets,
            metrics,
        )

    def _watch(
        self, ctx: RunContext, spec: HogSpec, refs: Mapping[str, ObjectRef]
    ) -> dict[str, str]:
        """Wait for every hog pod to start, then to finish; their last phase per node."""
        phases: dict[str, str] = {}

        def all_in(wanted: tuple[str, ...]) -> bool:
            for node, ref in refs.items():
                phases[node] = pod_phase(ctx.kube.api, ref)
            return all(p in wanted or p == "Gone" for p in phases.values())

        started = wait_until(
            lambda: all_in(("Running", *TERMINAL)),
            timeout=START_TIMEOUT,
            interval=POLL_SECONDS,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
        if not started.done:
            return phases
        ctx.emit("hog.running", f"{len(refs)} hog pod(s) running", seconds=started.elapsed)
        wait_until(
            lambda: all_in(TERMINAL),
            timeout=spec.duration + EXPIRY_MARGIN,
            interval=POLL_SECONDS,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
        return phases


plugin = HogPlugin()
