"""`network_chaos_ng_scenarios`: Krkn's network modules, run in a privileged helper pod on
each target's node, inside the target's network namespace.

For each target: create the helper (journaled: delete it), wait until it has found the
target, look (read-only) at the target's links, qdiscs and ruleset, refuse what cannot be
done cleanly (no netem in the kernel, a root qdisc that is not ours, a node that is the
machine undertow runs on; an interface the target does not have is bad input, exit 2),
journal the exact scripts (apply, undo, the state before), apply, wait `test_duration`, undo
and check the state is as before, delete the helper. A run that dies leaves helpers that
undo their fault by themselves after the duration plus a margin, and `rollback execute` runs
the same undo.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from undertow.config.yamlfile import Loc, format_loc
from undertow.errors import KubeError, NotFound, ScenarioError, ScenarioInputError
from undertow.kube import KubeApi
from undertow.kube.exec import exec_in_container
from undertow.kube.refs import ObjectRef
from undertow.rollback.client import Change
from undertow.rollback.entry import RollbackReport
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult, SpecProblem
from undertow.scenarios.common.helper_pod import helper_pod
from undertow.scenarios.common.status import Obj
from undertow.scenarios.common.waiting import wait_until
from undertow.scenarios.network import faults, script
from undertow.scenarios.network.rules import table_name
from undertow.scenarios.network.script import NetnsFault
from undertow.scenarios.network.spec import (
    ChaosModule,
    FilterModule,
    InterfaceDownModule,
    NetworkChaosNgSpec,
    NetworkModule,
    ShapingModule,
    VmiModule,
)
from undertow.scenarios.network.targets import Target, choose, runs_here

START_TIMEOUT = 120.0
POLL_SECONDS = 0.5
NETWORK_LABEL = "undertow.io/network-fault"
HELPER_CONTAINER = "fault"
"""The helper's container (`common.helper_pod` names it)."""


@dataclass
class Injection:
    """One target's helper and fault, as far as they got."""

    target: Target
    helper: dict[str, Any] | None = None
    fault: NetnsFault | None = None
    before: str = ""
    """The state the fault touches, read before it is applied."""
    change: Change | None = None
    """The journaled fault, once its version file is written."""
    problems: list[str] = field(default_factory=list)


def _toleration(taint: str) -> dict[str, str]:
    key_value, _, effect = taint.partition(":")
    key, has_value, value = key_value.partition("=")
    toleration = {"key": key, "operator": "Equal" if has_value else "Exists", "effect": effect}
    if has_value:
        toleration["value"] = value
    return toleration


def _local_nodes_refusal(api: KubeApi, module: NetworkModule, targets: list[Target]) -> str | None:
    """Why a node module is refused on these targets: one is the machine undertow runs on."""
    if not module.node_module:
        return None
    nodes = {t.name: api.get(ObjectRef.node(t.name)) for t in targets}
    local = [name for name, node in nodes.items() if runs_here(node)]
    if not local:
        return None
    return (
        f"{module.kind}: node {', '.join(local)} shares the network namespace of the "
        "machine undertow runs on; a node fault there would cut this host's own "
        "traffic, so undertow refuses it (target pods on that node instead)"
    )


def _selection(module: NetworkModule, targets: list[Target]) -> dict[str, list[str]]:
    """The targets as `RunContext.selected` counts them: pods by namespace/name, or nodes."""
    if module.node_module:
        return {"nodes": [t.name for t in targets]}
    return {"pods": [f"{module.namespace}/{t.name}" for t in targets]}


def _describe(module: NetworkModule) -> str:
    directions = "/".join(
        d for d, on in (("ingress", module.ingress), ("egress", module.egress)) if on
    )
    if isinstance(module, FilterModule):
        ports = ",".join(map(str, module.ports)) or "all ports"
        return f"drop {'/'.join(module.protocols)} to {ports} ({directions})"
    if isinstance(module, ChaosModule):
        parts = [
            f"{name} {value}"
            for name, value in (
                ("latency", module.latency if module.latency_on else None),
                ("jitter", module.jitter),
                ("loss", f"{module.loss:g}%" if module.loss else None),
                ("corruption", f"{module.corruption}%" if module.corruption else None),
                ("bandwidth", module.bandwidth),
            )
            if value
        ]
        return f"{', '.join(parts)} ({directions})"
    return f"interfaces {', '.join(module.interfaces) or 'of the default route'} down"


def _place(loc: Loc) -> str:
    """A module's place in its file, from where its interfaces are: `[0].interfaces` → `[0]`."""
    return format_loc(loc[:-1] if loc and loc[-1] == "interfaces" else loc)


def modules_of(spec: NetworkChaosNgSpec) -> list[tuple[NetworkModule, Loc]]:
    """The modules a file runs, each with where its interfaces are in the file: a shaping
    module runs as its pod_network_chaos modules; KubeVirt modules never get this far."""
    modules: list[tuple[NetworkModule, Loc]] = []
    for i, entry in enumerate(spec.root):
        if isinstance(entry, ShapingModule):
            modules += [(module, (i,)) for module in entry.chaos_modules()]
        elif not isinstance(entry, VmiModule):
            modules.append((entry, (i, "interfaces")))
    return modules


class NetworkChaosNgPlugin:
    scenario_type = "network_chaos_ng_scenarios"
    summary = "Filter ports, degrade (loss, bandwidth, delay) or cut the network of pods and nodes"
    spec_model = NetworkChaosNgSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def preflight(self, spec: NetworkChaosNgSpec) -> list[SpecProblem]:
        return [
            SpecProblem((i, "id"), f"{m.id}: KubeVirt modules are not implemented by undertow")
            for i, m in enumerate(spec.root)
            if isinstance(m, VmiModule)
        ]

    def plan(self, ctx: PlanContext, spec: NetworkChaosNgSpec) -> list[str]:
        modules = modules_of(spec)
        return self.plan_modules(ctx, [m for m, _ in modules], [_place(loc) for _, loc in modules])

    def plan_modules(
        self, ctx: PlanContext, modules: Sequence[NetworkModule], where: Sequence[str]
    ) -> list[str]:
        """The plan of `modules` (also used by the legacy network types, which are read into
        these modules); `where[i]`: module i's place in the file."""
        lines = []
        for i, module in enumerate(modules):
            try:
                targets = choose(ctx.api, module, self._rng)
            except ScenarioError as exc:
                lines.append(f"[{i}] would fail: {exc}")
                continue
            if (why := _local_nodes_refusal(ctx.api, module, targets)) is not None:
                lines.append(f"[{i}] refused: {why}")
                continue
            shown = ", ".join(t.shown for t in targets)
            lines.append(
                f"[{i}] {module.kind}: {_describe(module)} on {shown} for "
                f"{module.test_duration}s ({module.execution}), from a privileged helper pod per "
                f"target in {module.namespace}; each undoes its fault by itself after "
                f"{module.test_duration + script.SELF_UNDO_MARGIN}s"
            )
            lines += ctx.refusals(
                f"{module.kind} targets",
                field=where[i],
                count=len(targets),
                namespaces=[] if module.node_module else [module.namespace],
                entry=i,
            )
        return lines

    def run(self, ctx: RunContext, spec: NetworkChaosNgSpec) -> ScenarioResult:
        modules = modules_of(spec)
        return self.run_modules(ctx, [m for m, _ in modules], [loc for _, loc in modules])

    def run_modules(
        self, ctx: RunContext, modules: Sequence[NetworkModule], fields: Sequence[Loc]
    ) -> ScenarioResult:
        """Run `modules` in order, `wait_duration` apart (also the legacy network types'
        way in: one journaled path, one undo). A batch that fails ends the run of the file:
        the targets and modules after it are left alone (a target refusing the fault, e.g.
        no netem, so leaves the file's targets as they were). `fields[i]`: where module i's
        interfaces are in the file; an interface a target does not have is the user's input
        (`ScenarioInputError` naming that field, raised once the helpers are removed); the
        module's own place (`_place`) is the field a refused selection names."""
        api = ctx.kube.api
        for i, module in enumerate(modules):  # refused before any module runs: nothing is created
            targets = choose(api, module, self._rng)
            self._refuse_local_nodes(api, module, targets)
            ctx.check_selection(
                f"{module.kind} targets", field=_place(fields[i]), **_selection(module, targets)
            )
        failures: list[str] = []
        done: list[str] = []
        for i, module in enumerate(modules):
            if ctx.cancel.cancelled or failures:
                break
            targets = choose(ctx.kube.api, module, self._rng)
            self._refuse_local_nodes(ctx.kube.api, module, targets)
            ctx.selected(
                f"{module.kind} on {', '.join(t.shown for t in targets)}",
                field=_place(fields[i]),
                entry=i,
                **_selection(module, targets),
            )
            batches = [targets] if module.execution == "parallel" else [[t] for t in targets]
            for batch in batches:
                failures += self._inject(ctx, module, i, batch, fields[i])
                done += [t.shown for t in batch]
                if failures:
                    break
            if i < len(modules) - 1 and module.wait_duration and not failures:
                ctx.clock.sleep(module.wait_duration, ctx.cancel)
        if ctx.cancel.cancelled:
            return ScenarioResult(False, "cancelled", done)
        if failures:
            return ScenarioResult(False, "; ".join(failures), done)
        return ScenarioResult(True, f"network faults ran on {len(done)} target(s)", done)

    # --- one batch of targets ---------------------------------------------------------

    @staticmethod
    def _refuse_local_nodes(api: KubeApi, module: NetworkModule, targets: list[Target]) -> None:
        if (why := _local_nodes_refusal(api, module, targets)) is not None:
            raise ScenarioError(why)

    def _inject(
        self,
        ctx: RunContext,
        module: NetworkModule,
        index: int,
        targets: list[Target],
        interfaces_field: Loc,
    ) -> list[str]:
        """Every target of the batch is looked at before any is changed: one that cannot
        take the fault (an unknown interface, no netem) means none gets it."""
        injections = [Injection(t) for t in targets]
        bad_input: ScenarioInputError | None = None
        try:
            for inj in injections:
                inj.helper = ctx.kube.create(self._helper(ctx, module, inj.target))
            for inj in injections:
                self._prepare(ctx, module, index, inj, interfaces_field)
            if not any(i.problems for i in injections):
                for inj in injections:
                    self._apply(ctx, module, inj)
            if not any(i.problems for i in injections):
                ctx.clock.sleep(module.test_duration, ctx.cancel)
        except ScenarioInputError as exc:
            bad_input = exc
        finally:
            report = self._remove(ctx, module, injections)
        applied = sum(i.change is not None for i in injections)
        ctx.emit(
            "network.removed",
            f"{module.kind}: fault removed from {applied} target(s), "
            f"{len(targets)} helper(s) deleted",
            complete=report.complete,
        )
        if bad_input is not None:
            raise bad_input
        problems = [p for i in injections for p in i.problems]
        if not report.complete:
            problems.append(f"clean-up incomplete: {report.why_incomplete()}")
        return problems

    @staticmethod
    def _remove(
        ctx: RunContext, module: NetworkModule, injections: list[Injection]
    ) -> RollbackReport:
        """Undo the faults, wait `recovery_time` (interface down: links back up), then
        delete the helpers (their own undo, on TERM, finds nothing left)."""
        report = RollbackReport()
        for inj in injections:
            if inj.change is not None:
                report.extend(ctx.kube.revert(inj.change))
        recovery = module.recovery_time if isinstance(module, InterfaceDownModule) else 0
        if recovery and any(i.change is not None for i in injections):
            ctx.clock.sleep(recovery, ctx.cancel)
        for inj in injections:
            if inj.helper is not None:
                report.extend(ctx.kube.revert(inj.helper))
        return report

    def _helper(self, ctx: RunContext, module: NetworkModule, target: Target) -> dict[str, Any]:
        short = module.kind.replace("_network_", "-").replace("_", "-")
        pod = helper_pod(
            name=f"undertow-{short}-{secrets.token_hex(4)}",
            namespace=module.namespace,
            image=module.image,
            command=script.helper_command(target.pod_uid, module.test_duration),
            duration=module.test_duration + script.SELF_UNDO_MARGIN,
            helpers=ctx.helpers,
            node=target.node,
            labels={NETWORK_LABEL: module.kind},
            tolerations=[_toleration(t) for t in module.taints],
            privileged=True,
            host_pid=True,
            service_account=module.service_account,
        )
        return pod

    def _prepare(
        self,
        ctx: RunContext,
        module: NetworkModule,
        index: int,
        inj: Injection,
        interfaces_field: Loc,
    ) -> None:
        """Wait for the helper to find its target, look at the target, build the fault and
        read the state it touches (compared with the state after the undo)."""
        needs_netem = isinstance(module, ChaosModule) and module.needs_netem
        seen = self._look(ctx, inj, script.probe(netem=needs_netem))
        if seen is None:
            inj.problems.append(f"{inj.target.shown}: the helper did not reach the target")
            return
        sections = script.parse_probe(seen)
        links = [line.strip() for line in sections.get("links", []) if line.strip()]
        unknown = [i for i in module.interfaces if i not in links]
        if unknown:
            raise ctx.input_error(
                (*interfaces_field, module.interfaces.index(unknown[0])),
                f"no such interface {', '.join(unknown)} on {inj.target.shown} (it has "
                f"{', '.join(links)}); nothing was changed",
            )
        devs = self._devices(module, links, sections)
        if needs_netem and [x.strip() for x in sections.get("netem", [])] != ["yes"]:
            inj.problems.append(
                f"{inj.target.shown}: the node's kernel has no netem (sch_netem): latency, "
                "jitter and corruption cannot be applied there (loss and bandwidth can)"
            )
            return
        table = table_name(ctx.kube.run_id, index)
        if isinstance(module, ChaosModule):
            taken = script.foreign_roots(sections.get("qdiscs", []), devs)
            if taken and module.egress and (module.bandwidth or module.needs_netem):
                inj.problems.append(
                    f"{inj.target.shown}: interface {', '.join(taken)} already has a root "
                    "qdisc undertow did not add; it is left alone"
                )
                return
            fault = faults.chaos_fault(module, table, devs)
        elif isinstance(module, InterfaceDownModule):
            fault = faults.interface_down_fault(module, table, devs)
        else:
            assert isinstance(module, FilterModule)
            fault = faults.filter_fault(module, table)
        before = self._look(ctx, inj, fault.state)
        if before is None:
            inj.problems.append(f"{inj.target.shown}: cannot read the target's state")
            return
        inj.fault, inj.before = fault, before

    def _look(self, ctx: RunContext, inj: Injection, command: str) -> str | None:
        """Run a read-only script in the helper until it succeeds (the helper has found its
        target); its output, or None if the helper ended or the time ran out."""
        assert inj.helper is not None
        helper = inj.helper
        out: list[str] = []

        def ran() -> bool:
            try:
                result = exec_in_container(
                    ctx.kube.api,
                    str(helper["metadata"]["namespace"]),
                    str(helper["metadata"]["name"]),
                    HELPER_CONTAINER,
                    ["/bin/sh", "-c", command],
                )
            except KubeError:
                return self._helper_ended(ctx, helper)
            if result.returncode == 0:
                out.append(result.stdout)
                return True
            return False

        wait_until(
            ran, timeout=START_TIMEOUT, interval=POLL_SECONDS, clock=ctx.clock, cancel=ctx.cancel
        )
        return out[0] if out else None

    @staticmethod
    def _devices(module: NetworkModule, links: list[str], seen: dict[str, list[str]]) -> list[str]:
        """The interfaces the fault applies to: those named (each exists), else the
        default route's on a node, else every interface but lo."""
        if module.interfaces:
            return list(module.interfaces)
        if module.node_module:
            return sorted({line.strip() for line in seen.get("routes", []) if line.strip()})
        return [link for link in links if link != "lo"]

    @staticmethod
    def _helper_ended(ctx: RunContext, helper: Obj) -> bool:
        try:
            pod = ctx.kube.api.get(ObjectRef.of(helper))
        except NotFound:
            return True
        return str((pod.get("status") or {}).get("phase")) in ("Succeeded", "Failed")

    def _apply(self, ctx: RunContext, module: NetworkModule, inj: Injection) -> None:
        assert inj.helper is not None and inj.fault is not None
        fault = inj.fault
        inj.change, result = ctx.kube.in_helper(
            inj.helper,
            what=f"{module.kind} on {inj.target.shown}",
            apply=fault.apply,
            undo=fault.undo,
            state=fault.state,
            before=inj.before,
        )
        if result.returncode != 0:
            inj.problems.append(
                f"{inj.target.shown}: applying the fault failed ({result.returncode}): "
                f"{result.stderr.strip()}"
            )
            return
        ctx.emit(
            "network.injected",
            f"{module.kind}: {_describe(module)} on {inj.target.shown} for {module.test_duration}s",
            target=inj.target.name,
            node=inj.target.node,
            rules=fault.rules,
            commands=list(fault.commands),
        )


plugin = NetworkChaosNgPlugin()
