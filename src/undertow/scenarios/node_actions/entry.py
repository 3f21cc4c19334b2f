"""One `node_scenarios` entry at run time: its actions, in order, on its nodes."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from typing import Any, TypeVar

from undertow.errors import ScenarioError
from undertow.rollback.client import Change
from undertow.scenarios import providers
from undertow.scenarios.base import RunContext, ScenarioResult
from undertow.scenarios.common.concurrency import fan_out
from undertow.scenarios.common.drain import drain
from undertow.scenarios.common.nodes import NodeGoal, select_nodes, wait_node_goal
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.node_actions import on_node
from undertow.scenarios.node_actions.spec import PROVIDER_ACTIONS, NodeScenario
from undertow.scenarios.providers.base import CloudProvider, Disk
from undertow.scenarios.providers.node_chaos import KUBE_POLL_SECONDS, NodeChaos

Held = TypeVar("Held", Change, Mapping[str, Any])
"""What an entry holds until it is released: a journaled change, or an object it created."""


def provider_options(scenario: NodeScenario, ctx: RunContext) -> dict[str, Any]:
    """What the provider of `scenario.cloud_type` is built with (from the scenario file)."""
    name = providers.canonical(scenario.cloud_type)
    if name == "local":
        return {"api": ctx.kube.api, "reboot_timeout": scenario.timeout, "cancel": ctx.cancel}
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
        self.held: list[Change | Mapping[str, Any]] = []
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

    def release(self, change: Change | Mapping[str, Any], what: str) -> None:
        try:
            self.ctx.kube.revert_or_fail(change, failure=f"could not undo {what}")
        finally:
            with self._lock:
                if change in self.held:
                    self.held.remove(change)

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
        by = (
            f"node_name {self.s.node_name}"
            if self.s.node_name
            else f"label_selector {self.s.label_selector or '(any)'}"
        )
        self.ctx.selected(
            f"nodes selected by {by}: {', '.join(names)}",
            field=f"node_scenarios[{self.index}]",
            entry=self.index,
            nodes=names,
        )
        if refusals := on_node.refusals(self.s.actions, nodes, on_node.this_boot_id()):
            raise ScenarioError("; ".join(refusals))
        if any(a in PROVIDER_ACTIONS for a in self.s.actions):
            provider = providers.provider_for(self.s.cloud_type, provider_options(self.s, self.ctx))
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
            what = change.ref if isinstance(change, Change) else name_of(change)
            try:
                self.release(change, str(what))
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

    def _node_disk_detach_attach(self, node: Obj) -> None:
        """Detach each data disk (journaled first), hold `duration`, attach each back (the
        undo step itself), newest first."""
        chaos = self._chaos()
        provider = chaos.provider
        if not isinstance(provider, CloudProvider):  # refused before the run: see problems()
            raise ScenarioError(f"cloud_type {self.s.cloud_type} has no disk API")
        inst = chaos.instance(node)
        disks = provider.data_disks(inst)
        if not disks:
            raise ScenarioError(f"{inst} has no data disk to detach (its boot disk never is)")
        detached: list[tuple[Change, Disk]] = []
        for disk in disks:
            if self.ctx.cancel.cancelled:
                break
            detached.append((self._keep(provider.detach_disk(self.ctx.kube, inst, disk)), disk))
            self.ctx.emit(
                "node.disk_detached", f"detached {disk} from {inst}", node=inst.node, disk=disk.id
            )
        self.hold()
        for change, disk in reversed(detached):
            self.release(change, f"the detach of {disk} from {inst}")
            what = f"attached {disk} back to {inst}"
            self.ctx.emit("node.disk_attached", what, node=inst.node, disk=disk.id)

    # --- cluster-API actions ----------------------------------------------------------

    def _keep(self, change: Held) -> Held:
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

    # --- on the node, from a helper pod -----------------------------------------------

    def _await(self, name: str, goal: NodeGoal, timeout: float) -> bool:
        """Wait until the node is NotReady (`down`) or back; False if the run was cancelled."""
        waited = wait_node_goal(
            self.ctx.kube.api,
            [name],
            goal,
            timeout=timeout,
            interval=KUBE_POLL_SECONDS,
            clock=self.ctx.clock,
            cancel=self.ctx.cancel,
        )
        if waited.cancelled:
            return False
        state = "NotReady" if goal == "down" else "back Ready"
        if not waited.done:
            raise ScenarioError(f"node {name} not {state} within {timeout:g}s")
        seconds = waited.seconds[name]
        self.ctx.emit(
            f"node.{goal}", f"node {name} {state} after {seconds:.1f}s", node=name, seconds=seconds
        )
        self.metric(f"max_{goal}_seconds", seconds)
        return True

    def _stop_kubelet(self, node: Obj) -> tuple[Change, Obj]:
        """Stop the kubelet for `duration`; the node must go NotReady meanwhile. The resume
        and the helper pod stay held until the end of the entry."""
        name = name_of(node)
        resume, pod, how = on_node.stop_kubelet(self.ctx, name, self.s.duration)
        held = self._keep(resume), self._keep(pod)
        self.ctx.emit("kubelet.stopped", f"stopped the kubelet of {name} ({how})", node=name)
        window = min(self.s.timeout, self.s.duration)
        try:
            self._await(name, "down", window)
        except ScenarioError as exc:
            raise ScenarioError(
                f"{exc}: the kubelet is stopped for {self.s.duration:g}s and the node goes "
                "NotReady only once the controller-manager's node-monitor grace period has "
                "passed (40s by default): make duration and timeout longer than that"
            ) from exc
        return held

    def _stop_start_kubelet(self, node: Obj) -> None:
        name = name_of(node)
        resume, pod = self._stop_kubelet(node)
        self._await(name, "back", self.s.duration + self.s.timeout)
        self.release(resume, f"the kubelet stop on {name}")
        self.release(pod, f"the kubelet helper on {name}")
        self.ctx.emit("kubelet.started", f"the kubelet of {name} runs again", node=name)

    def _restart_kubelet(self, node: Obj) -> None:
        name = name_of(node)
        on_node.restart_kubelet(self.ctx, name, self.s.timeout)
        self.ctx.emit("kubelet.restarted", f"restarted the kubelet of {name}", node=name)
        self._await(name, "back", self.s.timeout)

    def _node_crash(self, node: Obj) -> None:
        name = name_of(node)
        pod = self._keep(on_node.crash_node(self.ctx, name, self.s.timeout))
        self.ctx.emit("node.crashed", f"crashed the kernel of {name} (sysrq c)", node=name)
        if self._await(name, "down", self.s.timeout):
            self._await(name, "back", self.s.timeout)
        self.release(pod, f"the crash helper on {name}")
