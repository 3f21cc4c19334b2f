"""The `node_scenarios` plugin: what can run here, the dry-run plan, and the run."""

from __future__ import annotations

import random

from undertow.errors import ScenarioError
from undertow.scenarios import providers
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult, SpecProblem
from undertow.scenarios.common.nodes import select_nodes
from undertow.scenarios.common.status import name_of
from undertow.scenarios.common.targets import split_names
from undertow.scenarios.node_actions import on_node
from undertow.scenarios.node_actions.entry import EntryRun
from undertow.scenarios.node_actions.spec import (
    API_ACTIONS,
    HELPER_ACTIONS,
    PROVIDER_ACTIONS,
    NodeScenario,
    NodeScenariosSpec,
)

DISK_ACTION = "node_disk_detach_attach_scenario"

UNSUPPORTED = {
    "node_block_scenario": "needs a shell on the node or an OpenShift helper",
    "stop_start_helper_node_scenario": "needs OpenShift's bastion helper node, reached over SSH",
}
"""Krkn's node actions undertow refuses, and why."""


def problems(scenario: NodeScenario) -> list[tuple[str, str]]:
    """(field, why) for each reason this entry cannot run with this install; no cluster needed."""
    found = []
    known = PROVIDER_ACTIONS | API_ACTIONS | HELPER_ACTIONS
    supported = ", ".join(sorted(known))
    if skipped := [a for a in scenario.actions if a not in known]:
        why = "; ".join(f"{a}: not supported by undertow ({UNSUPPORTED[a]})" for a in skipped)
        found.append(("actions", f"{why}; supported: {supported}"))
    needs_provider = [a for a in scenario.actions if a in PROVIDER_ACTIONS]
    cloud_type = scenario.cloud_type
    if needs_provider and not providers.supported(cloud_type):
        found.append(
            (
                "cloud_type",
                f"cloud_type {cloud_type!r} has no node provider in undertow, which "
                f"{', '.join(needs_provider)} need{'s' if len(needs_provider) == 1 else ''} "
                f"(providers: {providers.described()}); "
                "cordon, drain, taint and the kubelet actions work with any cloud_type",
            )
        )
    elif DISK_ACTION in scenario.actions and not providers.has_disks(cloud_type):
        found.append(
            (
                "cloud_type",
                f"node_disk_detach_attach needs a cloud provider's disk API "
                f"({providers.disk_providers()}); cloud_type {cloud_type!r} has none",
            )
        )
    elif needs_provider and (missing := providers.missing_sdk(cloud_type)):
        found.append(("cloud_type", f"cloud_type {cloud_type} needs {missing}"))
    if "node_termination_scenario" in scenario.actions and cloud_type == "local":
        found.append(("actions", "node_termination needs a cloud provider, not local kwok nodes"))
    if "node_termination_scenario" in scenario.actions and providers.canonical(cloud_type) == "bm":
        found.append(("actions", "node_termination is not possible on bare metal (cloud_type bm)"))
    return found


def check_runnable(scenario: NodeScenario) -> None:
    """Raise ScenarioError, before any change, if this entry cannot run here."""
    if found := problems(scenario):
        raise ScenarioError("; ".join(why for _, why in found))


def _describe(scenario: NodeScenario) -> str:
    if scenario.node_name:
        return f"nodes {scenario.node_name}"
    how_many = "all nodes" if scenario.instance_count == 0 else f"{scenario.instance_count} node(s)"
    where = f" matching {scenario.label_selector}" if scenario.label_selector else ""
    extra = f", excluding {scenario.exclude_label}" if scenario.exclude_label else ""
    return f"{how_many}{where}{extra}"


KUBELET_HOW = "systemctl, or SIGSTOP/SIGCONT of the kubelet process without systemd"


def _steps(scenario: NodeScenario) -> str:
    hold = f"{scenario.duration:g}s"
    wait = f"{scenario.timeout:g}s"
    texts = {
        "node_stop_scenario": f"stop (NotReady within {wait}); started again at the end",
        "node_start_scenario": f"start (Ready within {wait})",
        "node_stop_start_scenario": f"stop, keep stopped {hold}, start (Ready within {wait})",
        "node_reboot_scenario": f"reboot (Ready within {wait})",
        "node_termination_scenario": "TERMINATE the instance (irreversible)",
        DISK_ACTION: (
            f"detach its data disks (never the boot disk), keep them detached {hold}, attach "
            "each back at the same device name / LUN"
        ),
        "node_cordon_scenario": f"cordon for {hold}, then uncordon",
        "node_drain_scenario": f"cordon, evict its pods (PDBs honoured), uncordon after {hold}",
        "stop_kubelet_scenario": (
            f"stop the kubelet from a privileged helper pod ({KUBELET_HOW}; NotReady within "
            f"{wait}); Krkn leaves it stopped: undertow's helper starts it again after {hold} "
            "(also its undo), awaited at the end of the entry"
        ),
        "stop_start_kubelet_scenario": (
            f"stop the kubelet from a privileged helper pod ({KUBELET_HOW}; NotReady within "
            f"{wait}), start it again after {hold} (Ready within {wait})"
        ),
        "restart_kubelet_scenario": (
            "systemctl restart kubelet from a privileged helper pod (systemd nodes only; "
            "refused on nodes without systemd)"
        ),
        "node_crash_scenario": (
            f"CRASH the node's kernel (sysrq c; irreversible), Ready again within {wait}"
        ),
        "node_taint_scenario": (
            f"taint {', '.join(f'{t.key}={t.value}:{t.effect}' for t in scenario.taints)} "
            f"for {hold}"
        ),
    }
    return "; ".join(texts.get(a, f"{a} (unsupported)") for a in scenario.actions)


class NodeActionsPlugin:
    scenario_type = "node_scenarios"
    summary = (
        "Stop/start/reboot nodes or detach their disks through a provider; cordon, drain or "
        "taint them"
    )
    spec_model = NodeScenariosSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def preflight(self, spec: NodeScenariosSpec) -> list[SpecProblem]:
        return [
            SpecProblem(("node_scenarios", n, field), why)
            for n, scenario in enumerate(spec.node_scenarios)
            for field, why in problems(scenario)
        ]

    def named_nodes(self, spec: NodeScenariosSpec) -> list[tuple[tuple[str | int, ...], str]]:
        """Each entry's `node_name` names (checked against the cluster at run start)."""
        return [
            (("node_scenarios", n, "node_name"), name)
            for n, entry in enumerate(spec.node_scenarios)
            for name in split_names(entry.node_name)
        ]

    def plan(self, ctx: PlanContext, spec: NodeScenariosSpec) -> list[str]:
        lines = []
        for n, scenario in enumerate(spec.node_scenarios):
            try:
                check_runnable(scenario)
                nodes = select_nodes(
                    ctx.api,
                    node_name=scenario.node_name,
                    label_selector=scenario.label_selector,
                    exclude_label=scenario.exclude_label,
                    count=scenario.instance_count,
                    rng=self._rng,
                )
            except ScenarioError as exc:
                lines.append(f"[{n}] would fail: {exc}")
                continue
            if refusals := on_node.refusals(scenario.actions, nodes, on_node.this_boot_id()):
                lines.append(f"[{n}] refused: {'; '.join(refusals)}")
                continue
            how = "in parallel" if scenario.parallel else "one node at a time"
            times = f", {scenario.repeat} times" if scenario.repeat > 1 else ""
            lines.append(
                f"[{n}] {_describe(scenario)} via {scenario.cloud_type} "
                f"(e.g. {', '.join(name_of(x) for x in nodes)}), {how}{times}: {_steps(scenario)}"
            )
            lines += ctx.refusals(
                f"nodes: {_describe(scenario)}",
                field=f"node_scenarios[{n}]",
                count=len(nodes),
                entry=n,
            )
        return lines

    def run(self, ctx: RunContext, spec: NodeScenariosSpec) -> ScenarioResult:
        for scenario in spec.node_scenarios:
            check_runnable(scenario)
        results = []
        for n, scenario in enumerate(spec.node_scenarios):
            if ctx.cancel.cancelled:
                break
            results.append(EntryRun(ctx, scenario, n, self._rng).run())
        metrics: dict[str, float] = {}
        for r in results:
            for key, value in r.metrics.items():
                metrics[key] = max(metrics.get(key, 0.0), value)
        return ScenarioResult(
            passed=bool(results) and all(r.passed for r in results) and not ctx.cancel.cancelled,
            summary="; ".join(r.summary for r in results) or "cancelled before the first entry",
            targets=[t for r in results for t in r.targets],
            metrics=metrics,
        )


plugin = NodeActionsPlugin()
