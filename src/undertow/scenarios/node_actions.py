"""`node_scenarios`: stop/start/reboot/terminate nodes through a provider, and the
cluster-API actions that work everywhere (cordon, drain, taint for a duration).
Every change is journaled: a stopped node is started again on rollback (Krkn leaves it).

File format (Krkn's): `node_scenarios:` list. Action names are Krkn's, with or without
their `_scenario` suffix.
"""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from undertow.errors import ScenarioError
from undertow.rollback.client import Change
from undertow.scenarios import providers
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.concurrency import fan_out
from undertow.scenarios.common.drain import drain
from undertow.scenarios.common.fields import (
    Count,
    LabelSelector,
    OptionalText,
    PositiveCount,
    Seconds,
    SpecModel,
)
from undertow.scenarios.common.node_chaos import NodeChaos
from undertow.scenarios.common.nodes import NodeGoal, select_nodes
from undertow.scenarios.common.status import Obj, name_of

if TYPE_CHECKING:
    from undertow.kube import KubeApi

NodeAction = Literal[
    "node_start_scenario",
    "node_stop_scenario",
    "node_stop_start_scenario",
    "node_termination_scenario",
    "node_reboot_scenario",
    "node_disk_detach_attach_scenario",
    "stop_kubelet_scenario",
    "stop_start_kubelet_scenario",
    "restart_kubelet_scenario",
    "node_crash_scenario",
    "stop_start_helper_node_scenario",
    "node_block_scenario",
    "node_cordon_scenario",
    "node_drain_scenario",
    "node_taint_scenario",
]

CloudType = Literal[
    "local",
    "generic",
    "aws",
    "gcp",
    "azure",
    "az",
    "openstack",
    "alibaba",
    "alicloud",
    "bm",
    "docker",
    "vmware",
    "vsphere",
    "ibm",
    "ibmcloud",
    "ibmpower",
]

TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


def _with_suffix(value: object) -> object:
    if isinstance(value, str) and not value.endswith("_scenario"):
        return f"{value}_scenario"
    return value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class Taint(SpecModel):
    key: str
    value: str = ""
    effect: TaintEffect = "NoSchedule"


def _parse_taint(value: object) -> object:
    """`key[=value]:Effect` → `{key, value, effect}`; maps pass through."""
    if not isinstance(value, str):
        return value
    body, sep, effect = value.rpartition(":")
    if not sep:
        raise ValueError(f"taint {value!r} must look like key[=value]:Effect")
    key, _, val = body.partition("=")
    return {"key": key, "value": val, "effect": effect}


class BmcInfo(SpecModel):
    bmc_addr: OptionalText = ""
    bmc_user: OptionalText = ""
    bmc_password: OptionalText = ""


class NodeScenario(SpecModel):
    actions: Annotated[
        list[Annotated[NodeAction, BeforeValidator(_with_suffix)]], Field(min_length=1)
    ]
    node_name: OptionalText = ""
    """One node, or several separated by commas; wins over label_selector."""
    label_selector: LabelSelector = ""
    exclude_label: LabelSelector = ""
    instance_count: Count = 1
    """How many nodes matching label_selector to act on (0 = all of them)."""
    instance_kill_count: Count | None = None
    """Old Krkn name for `runs`."""
    runs: PositiveCount = 1
    timeout: Seconds = 120
    duration: Seconds = 120
    """Seconds between stop and start (and how long a cordon/drain/taint lasts)."""
    poll_interval: Seconds = 15
    cloud_type: Annotated[CloudType, BeforeValidator(_lower)] = "generic"
    parallel: bool = False
    kube_check: bool = True
    taints: list[Annotated[Taint, BeforeValidator(_parse_taint)]] = []
    """undertow: taints added by node_taint_scenario (`key[=value]:Effect`)."""
    soft_reboot: bool = False
    service: OptionalText = ""
    ssh_private_key: OptionalText = "~/.ssh/id_rsa"
    helper_node_ip: OptionalText = ""
    bmc_info: dict[str, BmcInfo] | None = None
    bmc_user: OptionalText = ""
    bmc_password: OptionalText = ""
    disable_ssl_verification: bool = False

    @field_validator("actions")
    @classmethod
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each action may appear once")
        return value

    @model_validator(mode="after")
    def _taints_for_taint_action(self) -> NodeScenario:
        if "node_taint_scenario" in self.actions and not self.taints:
            raise ValueError("node_taint_scenario needs at least one entry in taints")
        return self

    @property
    def repeat(self) -> int:
        return self.instance_kill_count or self.runs


class NodeScenariosSpec(SpecModel):
    node_scenarios: Annotated[list[NodeScenario], Field(min_length=1)]


# --- the plugin ------------------------------------------------------------------------

PROVIDER_ACTIONS = frozenset(
    {
        "node_start_scenario",
        "node_stop_scenario",
        "node_stop_start_scenario",
        "node_reboot_scenario",
        "node_termination_scenario",
    }
)
API_ACTIONS = frozenset({"node_cordon_scenario", "node_drain_scenario", "node_taint_scenario"})


def unsupported(scenario: NodeScenario) -> list[str]:
    """Krkn actions undertow does not run (they need a shell on the node or an
    OpenShift-only helper); a file naming them validates but does not run."""
    return [a for a in scenario.actions if a not in PROVIDER_ACTIONS | API_ACTIONS]


def provider_options(scenario: NodeScenario, api: KubeApi) -> dict[str, Any]:
    """What the provider of `scenario.cloud_type` is built with (from the scenario file)."""
    name = providers.canonical(scenario.cloud_type)
    if name == "local":
        return {"api": api}
    if name == "bm":
        info = {node: bmc.model_dump() for node, bmc in (scenario.bmc_info or {}).items()}
        return {
            "bmc_info": info,
            "bmc_user": scenario.bmc_user,
            "bmc_password": scenario.bmc_password,
        }
    if name == "vmware":
        return {"insecure": scenario.disable_ssl_verification}
    return {}


def check_runnable(scenario: NodeScenario) -> None:
    """Raise ScenarioError, before any change, if this entry cannot run here."""
    if skipped := unsupported(scenario):
        raise ScenarioError(
            f"{', '.join(skipped)}: not supported by undertow (needs a shell on the node); "
            "supported: " + ", ".join(sorted(PROVIDER_ACTIONS | API_ACTIONS))
        )
    needs_provider = [a for a in scenario.actions if a in PROVIDER_ACTIONS]
    if needs_provider and not providers.supported(scenario.cloud_type):
        raise ScenarioError(
            f"{', '.join(needs_provider)} need a node provider; cloud_type "
            f"{scenario.cloud_type!r} has none in undertow (use one of "
            f"{', '.join(sorted(providers.PROVIDERS))})"
        )
    if needs_provider and (missing := providers.missing_sdk(scenario.cloud_type)):
        raise ScenarioError(f"cloud_type {scenario.cloud_type} needs {missing}")
    if "node_termination_scenario" in scenario.actions and scenario.cloud_type == "local":
        raise ScenarioError("node_termination needs a cloud provider, not local kwok nodes")


def _describe(scenario: NodeScenario) -> str:
    if scenario.node_name:
        return f"nodes {scenario.node_name}"
    how_many = "all nodes" if scenario.instance_count == 0 else f"{scenario.instance_count} node(s)"
    where = f" matching {scenario.label_selector}" if scenario.label_selector else ""
    extra = f", excluding {scenario.exclude_label}" if scenario.exclude_label else ""
    return f"{how_many}{where}{extra}"


def _steps(scenario: NodeScenario) -> str:
    hold = f"{scenario.duration:g}s"
    wait = f"{scenario.timeout:g}s"
    texts = {
        "node_stop_scenario": f"stop (NotReady within {wait}); started again at the end",
        "node_start_scenario": f"start (Ready within {wait})",
        "node_stop_start_scenario": f"stop, keep stopped {hold}, start (Ready within {wait})",
        "node_reboot_scenario": f"reboot (Ready within {wait})",
        "node_termination_scenario": "TERMINATE the instance (irreversible)",
        "node_cordon_scenario": f"cordon for {hold}, then uncordon",
        "node_drain_scenario": f"cordon, evict its pods (PDBs honoured), uncordon after {hold}",
        "node_taint_scenario": (
            f"taint {', '.join(f'{t.key}={t.value}:{t.effect}' for t in scenario.taints)} "
            f"for {hold}"
        ),
    }
    return "; ".join(texts.get(a, f"{a} (unsupported)") for a in scenario.actions)


class EntryRun:
    """One `node_scenarios` entry: its actions, in order, on its nodes, `runs` times; then
    whatever is still stopped, cordoned or tainted is put back and awaited."""

    def __init__(
        self, ctx: RunContext, scenario: NodeScenario, index: int, rng: random.Random
    ) -> None:
        self.ctx = ctx
        self.s = scenario
        self.index = index
        self.rng = rng
        self.failures: list[str] = []
        self.metrics: dict[str, float] = {}
        self.held: list[Change] = []
        self._lock = threading.Lock()
        self.chaos: NodeChaos | None = None

    # --- bookkeeping ------------------------------------------------------------------

    def fail(self, message: str) -> None:
        with self._lock:
            self.failures.append(message)
        self.ctx.emit("action.failed", message, entry=self.index)

    def metric(self, key: str, value: float | None) -> None:
        if value is None:
            return
        with self._lock:
            self.metrics[key] = max(self.metrics.get(key, 0.0), value)

    def hold(self) -> bool:
        """Keep the fault for `duration`; True if the run was cancelled meanwhile."""
        return self.ctx.clock.sleep(self.s.duration, self.ctx.cancel)

    def release(self, change: Change, what: str) -> None:
        report = self.ctx.kube.revert(change)
        with self._lock:
            if change in self.held:
                self.held.remove(change)
        if not report.complete:
            raise ScenarioError(
                f"could not undo {what}: " + "; ".join(o.detail for o in report.not_restored)
            )

    # --- the run ----------------------------------------------------------------------

    def run(self) -> ScenarioResult:
        nodes = select_nodes(
            self.ctx.kube.api,
            node_name=self.s.node_name,
            label_selector=self.s.label_selector,
            exclude_label=self.s.exclude_label,
            count=self.s.instance_count,
            rng=self.rng,
        )
        names = [name_of(n) for n in nodes]
        self.ctx.emit(
            "targets.selected", f"nodes {', '.join(names)}", entry=self.index, nodes=names
        )
        if any(a in PROVIDER_ACTIONS for a in self.s.actions):
            provider = providers.provider_for(
                self.s.cloud_type, provider_options(self.s, self.ctx.kube.api)
            )
            self.chaos = NodeChaos(
                self.ctx, provider, self.s.timeout, self.s.poll_interval, self.s.kube_check
            )
        started = self.ctx.clock.monotonic()
        try:
            for action in self.s.actions:
                for _ in range(self.s.repeat):
                    if self.ctx.cancel.cancelled:
                        break
                    self._on_all(action, nodes)
        finally:
            self._restore()
        self.metrics["entry_seconds"] = self.ctx.clock.monotonic() - started
        return self._result(names)

    def _on_all(self, action: str, nodes: list[Obj]) -> None:
        step = getattr(self, "_" + action.removesuffix("_scenario"))
        workers = len(nodes) if self.s.parallel else 1
        outcomes = fan_out(nodes, step, workers=workers, per_second=0, cancel=self.ctx.cancel)
        for o in outcomes:
            if o.error is not None:
                self.fail(f"{action} on {name_of(o.item)}: {o.error}")

    def _restore(self) -> None:
        for change in list(self.held):
            try:
                self.release(change, str(change.ref))
            except Exception as exc:  # reported; the journal keeps the undo pending
                self.fail(str(exc))
        if self.chaos is not None:
            for problem in self.chaos.restore():
                self.fail(problem)

    def _result(self, names: list[str]) -> ScenarioResult:
        actions = ", ".join(a.removesuffix("_scenario") for a in self.s.actions)
        if self.failures:
            summary = f"[{self.index}] {actions} on {len(names)} node(s): " + "; ".join(
                self.failures
            )
            self.ctx.emit("recovery.failed", summary, entry=self.index)
            return ScenarioResult(False, summary, names, self.metrics)
        if self.ctx.cancel.cancelled:
            return ScenarioResult(
                False, f"[{self.index}] cancelled; nodes restored", names, self.metrics
            )
        back = self.metrics.get("max_back_seconds")
        tail = f"; back within {back:.1f}s" if back is not None else ""
        summary = f"[{self.index}] {actions} on {', '.join(names)}{tail}"
        self.ctx.emit("recovery.ok", summary, entry=self.index)
        return ScenarioResult(True, summary, names, self.metrics)

    # --- provider actions -------------------------------------------------------------

    def _chaos(self) -> NodeChaos:
        assert self.chaos is not None  # built in run() whenever a provider action is listed
        return self.chaos

    def _expect(self, name: str, goal: NodeGoal) -> None:
        waited = self._chaos().wait([name], goal)
        if waited.cancelled:
            return
        if not waited.done:
            state = "NotReady" if goal == "down" else "back Ready"
            raise ScenarioError(f"node {name} not {state} within {self.s.timeout:g}s")
        self.metric(f"max_{goal}_seconds", waited.seconds[name])

    def _node_stop(self, node: Obj) -> None:
        inst = self._chaos().instance(node)
        self._chaos().stop(inst)
        self._expect(inst.node, "down")

    def _node_start(self, node: Obj) -> None:
        inst = self._chaos().instances.get(name_of(node)) or self._chaos().instance(node)
        self._chaos().start(inst)
        self._expect(inst.node, "back")

    def _node_stop_start(self, node: Obj) -> None:
        self._node_stop(node)
        if not self.hold():
            self._node_start(node)

    def _node_reboot(self, node: Obj) -> None:
        chaos = self._chaos()
        inst = chaos.instance(node)
        change = chaos.provider.reboot(self.ctx.kube, inst)
        self.ctx.emit("node.rebooted", f"rebooted {inst}", node=inst.node)
        try:
            self._expect(inst.node, "back")
        finally:
            self.release(change, f"the reboot of {inst}")

    def _node_termination(self, node: Obj) -> None:
        chaos = self._chaos()
        inst = chaos.instance(node)
        chaos.provider.terminate(self.ctx.kube, inst)
        self.ctx.emit("node.terminated", f"terminated {inst}", node=inst.node)

    # --- cluster-API actions ----------------------------------------------------------

    def _keep(self, change: Change) -> Change:
        with self._lock:
            self.held.append(change)
        return change

    def _node_cordon(self, node: Obj) -> None:
        name = name_of(node)
        change = self._keep(self.ctx.kube.cordon(name))
        self.ctx.emit("node.cordoned", f"cordoned node {name}", node=name)
        self.hold()
        self.release(change, f"the cordon of {name}")
        self.ctx.emit("node.uncordoned", f"uncordoned node {name}", node=name)

    def _node_drain(self, node: Obj) -> None:
        name = name_of(node)
        change = self._keep(self.ctx.kube.cordon(name))
        self.ctx.emit("node.cordoned", f"cordoned node {name}", node=name)
        evicted, blocked = drain(self.ctx, name, self.s.timeout)
        self.metric("evicted_pods", float(evicted))
        self.ctx.emit(
            "node.drained", f"evicted {evicted} pods from {name}", node=name, pods=evicted
        )
        cancelled = self.hold()
        self.release(change, f"the cordon of {name}")
        self.ctx.emit("node.uncordoned", f"uncordoned node {name}", node=name)
        if blocked and not cancelled:
            raise ScenarioError(
                f"{len(blocked)} pods not evicted within {self.s.timeout:g}s "
                f"(PodDisruptionBudget): {', '.join(blocked)}"
            )

    def _node_taint(self, node: Obj) -> None:
        name = name_of(node)
        changes = []
        for t in self.s.taints:
            changes.append(self._keep(self.ctx.kube.add_taint(name, t.key, t.value, t.effect)))
            self.ctx.emit("node.tainted", f"tainted {name} {t.key}={t.value}:{t.effect}", node=name)
        self.hold()
        for change in reversed(changes):
            self.release(change, f"a taint of {name}")
        self.ctx.emit("node.untainted", f"removed undertow's taints from {name}", node=name)


class NodeActionsPlugin:
    scenario_type = "node_scenarios"
    summary = "Stop/start/reboot nodes through a provider; cordon, drain or taint them"
    spec_model = NodeScenariosSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

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
            how = "in parallel" if scenario.parallel else "one node at a time"
            times = f", {scenario.repeat} times" if scenario.repeat > 1 else ""
            lines.append(
                f"[{n}] {_describe(scenario)} via {scenario.cloud_type} "
                f"(e.g. {', '.join(name_of(x) for x in nodes)}), {how}{times}: {_steps(scenario)}"
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
