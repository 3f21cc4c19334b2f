"""`time_scenarios`: move a node's clock (`skew_time` / `skew_date`) for `duration` seconds,
from a privileged helper pod on the node, then move it back by the same offset.

A clock undertow cannot move for the target alone is refused before any change, saying why:

- a pod: Linux time namespaces offset only CLOCK_MONOTONIC and CLOCK_BOOTTIME, never
  CLOCK_REALTIME, so a container reads its node's wall clock and `date -s` inside it would
  move the whole node's (Krkn's pod path runs a read-only `date` and reports success);
- a node whose clock is shared: the local cluster's real node is this machine (its clock is
  the control plane's and undertow's too), and a kwok node has no clock at all.

The offset is computed before the change (target time minus undertow's clock) and is in the
version file: the helper pod moves its node's clock by it (`date -s @<now + offset>`) and
back (`@<now - offset>`), however it ends (a trap), and the undo does the same from inside
the pod if it still runs (`undertow.undo.files.CLOCK_SCRIPT`, once: a marker file).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from typing import Any

from undertow.config.helper_pods import HelperPods
from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.rollback.client import Change
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult, SpecProblem
from undertow.scenarios.common.helper_pod import helper_pod
from undertow.scenarios.common.selectors import parse_selector
from undertow.scenarios.common.status import Obj, labels_of, name_of
from undertow.scenarios.time_skew.spec import TimeScenariosSpec, TimeSkew
from undertow.undo.files import CLOCK_MARK, CLOCK_SCRIPT
from undertow.undo.records import RestoreClock

HELPER_IMAGE = "busybox"
HELPER_NAMESPACE = "default"
REAL_NODE_LABEL = "undertow.io/real-node"
HOLD_MARGIN = 30
"""Seconds the helper pod holds the clock past `duration` on its own: the normal end is
undertow moving it back; the pod's own timer is the backstop if undertow is gone."""
POD_REFUSAL = (
    "a pod has no clock of its own: Linux time namespaces offset only CLOCK_MONOTONIC and "
    "CLOCK_BOOTTIME, never CLOCK_REALTIME, so a container reads its node's wall clock and "
    "`date -s` inside it would move the whole node's; use object_type: node"
)


def shared_clock(node: Obj) -> str:
    """Why this node's clock cannot be moved for it alone, or "" if it can."""
    if labels_of(node).get(REAL_NODE_LABEL) == "true":
        return (
            f"node {name_of(node)} is the local cluster's real node: it runs on this machine, "
            "so its clock is the machine's (the control plane's and undertow's too)"
        )
    if (node.get("metadata") or {}).get("annotations", {}).get("kwok.x-k8s.io/node") == "fake":
        return f"node {name_of(node)} is a kwok node: it runs nothing and has no clock"
    return ""


def offset_for(action: str, now: datetime.datetime) -> int:
    """Seconds from `now` (UTC) to Krkn's target: 01:01:01 today, or 2001-01-01 00:00:00."""
    if action == "skew_time":
        target = now.replace(hour=1, minute=1, second=1, microsecond=0)
    else:
        target = datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    return round((target - now).total_seconds())


def clock_command(offset: int, seconds: float) -> list[str]:
    return ["sh", "-c", CLOCK_SCRIPT, "clock", str(offset), str(round(seconds)), CLOCK_MARK]


def clock_pod(
    name: str, node: str, offset: int, skew: TimeSkew, helpers: HelperPods
) -> dict[str, Any]:
    """The privileged pod that moves `node`'s clock (CAP_SYS_TIME: the clock is the node's)."""
    return helper_pod(
        name=name,
        namespace=HELPER_NAMESPACE,
        image=HELPER_IMAGE,
        command=clock_command(offset, skew.duration + HOLD_MARGIN),
        duration=skew.duration + HOLD_MARGIN,
        helpers=helpers,
        node=node,
        labels={"undertow.io/fault": "time-skew"},
        tolerations=[{"operator": "Exists"}],
        privileged=True,
    )


def choose_nodes(api: KubeApi, skew: TimeSkew) -> list[Obj]:
    """The nodes named (each must exist) or selected, minus the excluded ones."""
    if skew.object_name:
        listed = {name_of(n): n for n in api.list_nodes()}
        missing = [n for n in skew.object_name if n not in listed]
        if missing:
            raise ScenarioError(f"object_name: no such node: {', '.join(missing)}")
        nodes = [listed[n] for n in skew.object_name]
    else:
        nodes = list(api.list_nodes(skew.label_selector))
    if skew.exclude_label:
        excluded = parse_selector(skew.exclude_label)
        nodes = [n for n in nodes if not excluded.matches(labels_of(n))]
    if not nodes:
        raise ScenarioError(f"no node matches {skew.label_selector!r}")
    return sorted(nodes, key=name_of)


def refusals(nodes: list[Obj]) -> list[str]:
    return [why for why in map(shared_clock, nodes) if why]


class TimeSkewPlugin:
    scenario_type = "time_scenarios"
    summary = "Move nodes' clocks (skew_time, skew_date) from a privileged pod, then back"
    spec_model = TimeScenariosSpec

    def __init__(self, now: Callable[[], datetime.datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.datetime.now(datetime.UTC))

    def preflight(self, spec: TimeScenariosSpec) -> list[SpecProblem]:
        return [
            SpecProblem(("time_scenarios", n, "object_type"), POD_REFUSAL)
            for n, skew in enumerate(spec.time_scenarios)
            if skew.object_type == "pod"
        ]

    def named_nodes(self, spec: TimeScenariosSpec) -> list[tuple[tuple[str | int, ...], str]]:
        """Nodes named by `object_name` (checked against the cluster at run start)."""
        return [
            (("time_scenarios", n, "object_name", i), name)
            for n, skew in enumerate(spec.time_scenarios)
            if skew.object_type == "node"
            for i, name in enumerate(skew.object_name)
        ]

    def plan(self, ctx: PlanContext, spec: TimeScenariosSpec) -> list[str]:
        lines = []
        for n, skew in enumerate(spec.time_scenarios):
            try:
                nodes = choose_nodes(ctx.api, skew)
            except ScenarioError as exc:
                lines.append(f"[{n}] would fail: {exc}")
                continue
            refused = refusals(nodes)
            if refused:
                lines += [f"[{n}] refused: cannot move the clock: {why}" for why in refused]
                continue
            offset = offset_for(skew.action, self._now())
            lines.append(
                f"[{n}] {skew.action}: move the clock of {', '.join(map(name_of, nodes))} by "
                f"{offset} s (date -s from a privileged pod) for {skew.duration:g}s, then back"
            )
            lines += ctx.refusals(
                "nodes whose clock moves", field=f"time_scenarios[{n}]", count=len(nodes), entry=n
            )
        return lines

    def run(self, ctx: RunContext, spec: TimeScenariosSpec) -> ScenarioResult:
        chosen = [choose_nodes(ctx.kube.api, skew) for skew in spec.time_scenarios]
        refused = [why for nodes in chosen for why in refusals(nodes)]
        if refused:
            raise ScenarioError(f"cannot move the clock (nothing changed): {'; '.join(refused)}")
        for n, nodes in enumerate(chosen):
            ctx.selected(
                f"clock of {', '.join(map(name_of, nodes))}",
                field=f"time_scenarios[{n}]",
                entry=n,
                nodes=[name_of(node) for node in nodes],
            )
        results = [
            self._one(ctx, skew, nodes)
            for skew, nodes in zip(spec.time_scenarios, chosen, strict=True)
        ]
        return ScenarioResult(
            all(r.passed for r in results) and not ctx.cancel.cancelled,
            "; ".join(r.summary for r in results),
            [t for r in results for t in r.targets],
        )

    def _one(self, ctx: RunContext, skew: TimeSkew, nodes: list[Obj]) -> ScenarioResult:
        offset = offset_for(skew.action, self._now())
        changes: list[Change | dict[str, Any]] = []
        for node in nodes:
            name = f"undertow-time-skew-{secrets.token_hex(4)}"
            record: RestoreClock = {
                "action": "restore_clock",
                "description": f"move node {name_of(node)}'s clock back by {offset} s",
                "node": name_of(node),
                "container": "fault",
                "offset_seconds": offset,
            }
            # The offset is on disk before the pod that moves the clock exists.
            ref = ObjectRef("v1", "Pod", name, HELPER_NAMESPACE)
            moved = ctx.kube.external(ref, record, lambda: None)
            pod = ctx.kube.create(clock_pod(name, name_of(node), offset, skew, ctx.helpers))
            changes += [moved, pod]
            ctx.emit(
                "clock.skewed",
                f"{skew.action}: node {name_of(node)}'s clock moved by {offset} s (pod {name})",
                node=name_of(node),
                offset=offset,
            )
        ctx.cancel.wait(skew.duration)
        report = ctx.kube.revert_each(changes)  # the clock back (exec), then the pod
        targets = [name_of(n) for n in nodes]
        if not report.complete:
            return ScenarioResult(False, f"clean-up incomplete: {report.why_incomplete()}", targets)
        return ScenarioResult(
            True,
            f"{skew.action}: clock of {', '.join(targets)} moved by {offset} s for "
            f"{skew.duration:g}s, then back",
            targets,
        )


plugin = TimeSkewPlugin()
