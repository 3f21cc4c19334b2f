"""`service_disruption_scenarios`: delete the workloads of namespaces chosen by regex or
label (Krkn's "namespace deletion"), or the namespaces themselves, then measure whether
the workloads come back. Bringing them back is the system's job (GitOps, operators);
with `restore: true` undertow recreates what is still missing after `wait_time` from the
snapshots kept in the version files (and a rollback does the same).

Without `restore` a namespace that does not come back within `wait_time` is a finding
(Krkn reads `wait_time` but never checks it, and passes): reported, and a failure only in
a strict run. The deletions stay deleted: their version files are a record (with the
snapshots), not an undo.

File format (Krkn's): `scenarios:` list. Krkn reads `wait_time` but never uses it;
undertow uses it as the recovery window after each run's deletions.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import model_validator

from undertow.clock import CancelToken
from undertow.errors import KubeError, NotFound
from undertow.kube.refs import ObjectRef
from undertow.rollback.entry import RollbackReport
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.fields import (
    LabelSelector,
    PositiveCount,
    Regex,
    Seconds,
    SpecModel,
    undertow_only,
)
from undertow.scenarios.common.namespace_recovery import NamespaceRecovery
from undertow.scenarios.common.status import Obj, is_terminating, name_of, uid_of
from undertow.scenarios.common.targets import pick
from undertow.scenarios.common.waiting import WaitOutcome, wait_until
from undertow.scenarios.common.workloads import (
    NAMESPACE_KINDS,
    WORKLOAD_KINDS,
    list_top_level,
    object_key,
)

if TYPE_CHECKING:
    from undertow.kube import KubeApi
    from undertow.rollback.client import Change


class NamespaceDisruption(SpecModel):
    namespace: Regex = ""
    """Regex of the namespaces to disrupt (re.match); set this or label_selector, not both."""
    label_selector: LabelSelector = ""
    """Label selector of the namespaces to disrupt; set this or namespace, not both."""
    delete_count: PositiveCount = 1
    """Namespaces picked at random among the matches in each run."""
    runs: PositiveCount = 1
    """How many times to pick and disrupt; each run picks again."""
    sleep: Seconds = 10
    """Pause between two deletions."""
    wait_time: Seconds = 30
    """Recovery window after each run: what is not back by then is a finding (or, with restore,
    recreated by undertow)."""
    action: Literal["delete"] = "delete"
    """Accepted for older Krkn files; deletion is the only action."""
    delete: Annotated[Literal["objects", "namespace"], undertow_only()] = "objects"
    """objects: the namespace's top-level Services, DaemonSets, StatefulSets, ReplicaSets and
    Deployments (Krkn's behaviour); namespace: the namespace itself."""
    restore: Annotated[bool, undertow_only()] = False
    """Recreate from their snapshots what did not come back within wait_time."""

    @model_validator(mode="after")
    def _one_namespace_filter(self) -> NamespaceDisruption:
        if bool(self.namespace) == bool(self.label_selector):
            raise ValueError("set exactly one of namespace (a regex) and label_selector")
        return self


class ServiceDisruptionSpec(SpecModel):
    scenarios: list[NamespaceDisruption]
    """The disruptions, run in order."""


# --- the plugin ------------------------------------------------------------------------

POLL_SECONDS = 1.0
GONE_TIMEOUT = 180.0
"""Seconds a deleted namespace may stay Terminating before its restore gives up."""
DEFAULT_SA_TIMEOUT = 30.0
"""Seconds to wait for a recreated namespace's `default` ServiceAccount: pods cannot be
created before it exists."""


def _namespace_ref(name: str) -> ObjectRef:
    return ObjectRef("v1", "Namespace", name)


def _active(namespace: Obj) -> bool:
    return (
        not is_terminating(namespace)
        and (namespace.get("status") or {}).get("phase") != "Terminating"
    )


def _candidates(api: KubeApi, cfg: NamespaceDisruption) -> list[str]:
    """Active namespaces matched by the regex (re.match, as Krkn) or the label selector."""
    regex = re.compile(cfg.namespace) if cfg.namespace else None
    listed = api.iter("v1", "Namespace", label_selector=cfg.label_selector or None)
    names = (name_of(ns) for ns in listed if _active(ns))
    return sorted(name for name in names if regex is None or regex.match(name))


def _describe(cfg: NamespaceDisruption) -> str:
    if cfg.namespace:
        return f"namespace ~ {cfg.namespace}"
    return f"namespaces labelled {cfg.label_selector}"


def _get(api: KubeApi, ref: ObjectRef) -> Obj | None:
    try:
        return api.get(ref)
    except NotFound:
        return None


@dataclass
class Hit:
    """One disrupted namespace: what undertow deleted and how the namespace recovers."""

    tracker: NamespaceRecovery
    changes: list[Change] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    by_system: bool = False
    """Everything was back within wait_time before undertow restored anything."""
    restored: bool = False
    """undertow recreated at least one object from its snapshot."""
    restored_at: float | None = None
    """When undertow began recreating the objects: "ready N s later" counts from here."""

    @property
    def namespace(self) -> str:
        return self.tracker.namespace


def _look(api: KubeApi, hit: Hit, now: float) -> bool:
    """Observe one namespace once; True when it has recovered."""
    namespace = _get(api, _namespace_ref(hit.namespace))
    fresh = namespace is not None and _active(namespace)
    if fresh and namespace is not None and hit.tracker.namespace_uid == uid_of(namespace):
        fresh = False  # the namespace we deleted, still there
    workloads = list_top_level(api, hit.namespace, WORKLOAD_KINDS) if fresh else []
    pods = api.list_pods(hit.namespace) if fresh else []
    return hit.tracker.observe(namespace, workloads, pods, now)


def _wait_replaceable(ctx: RunContext, old: ObjectRef, cancel: CancelToken) -> None:
    """Wait until the deleted namespace is gone (its contents deleted by the namespace
    controller): only then can it be created again."""

    def gone() -> bool:
        current = _get(ctx.kube.api, old)
        return current is None or uid_of(current) != old.uid

    wait_until(gone, timeout=GONE_TIMEOUT, interval=0.5, clock=ctx.clock, cancel=cancel)


def _wait_default_account(ctx: RunContext, namespace: str, cancel: CancelToken) -> None:
    account = ObjectRef("v1", "ServiceAccount", "default", namespace)
    wait_until(
        lambda: _get(ctx.kube.api, account) is not None,
        timeout=DEFAULT_SA_TIMEOUT,
        interval=0.3,
        clock=ctx.clock,
        cancel=cancel,
    )


class ServiceDisruptionPlugin:
    scenario_type = "service_disruption_scenarios"
    summary = "Delete the workloads of namespaces (or the namespaces); measure their return"
    spec_model = ServiceDisruptionSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    # --- dry run ------------------------------------------------------------------------

    def plan(self, ctx: PlanContext, spec: ServiceDisruptionSpec) -> list[str]:
        lines: list[str] = []
        for n, cfg in enumerate(spec.scenarios):
            names = _candidates(ctx.api, cfg)
            what = (
                "the namespace itself"
                if cfg.delete == "namespace"
                else "their Services, DaemonSets, StatefulSets, ReplicaSets and Deployments"
            )
            then = (
                "then recreate what is missing from the snapshots"
                if cfg.restore
                else "deletions are not undone (record only)"
            )
            lines.append(
                f"[{n}] {cfg.runs} run(s): pick {cfg.delete_count} of {len(names)} namespaces "
                f"matching {_describe(cfg)}, delete {what}, {cfg.sleep:g}s apart; expect the "
                f"workloads back within {cfg.wait_time:g}s; {then}"
            )
            for name in names:
                objects = list_top_level(ctx.api, name, WORKLOAD_KINDS)
                shown = ", ".join(object_key(o) for o in objects) or "no workload objects"
                lines.append(f"[{n}]   {name}: {shown}")
                claims = ctx.api.list("v1", "PersistentVolumeClaim", name)
                if cfg.delete == "namespace" and claims:
                    lines.append(
                        f"[{n}]   warning: {name} holds {len(claims)} PersistentVolumeClaims; "
                        "their data is lost and never restored"
                    )
            if len(names) < cfg.delete_count:
                lines.append(
                    f"[{n}] would fail: only {len(names)} namespaces match, "
                    f"{cfg.delete_count} wanted"
                )
            lines += ctx.refusals(
                f"namespaces matching {_describe(cfg)}",
                field=f"scenarios[{n}]",
                count=min(cfg.delete_count, len(names)),
                namespaces=names,
                entry=n,
            )
        return lines

    # --- run ----------------------------------------------------------------------------

    def run(self, ctx: RunContext, spec: ServiceDisruptionSpec) -> ScenarioResult:
        results = []
        for n, cfg in enumerate(spec.scenarios):
            if ctx.cancel.cancelled:
                break
            results.append(self._entry(ctx, cfg, n))
        metrics: dict[str, float] = {}
        for r in results:
            for key, value in r.metrics.items():
                summed = key in ("namespaces", "objects_deleted", "restored_by_undertow")
                metrics[key] = metrics.get(key, 0.0) + value if summed else value
        return ScenarioResult(
            passed=all(r.passed for r in results) and not ctx.cancel.cancelled,
            summary="; ".join(r.summary for r in results) or "cancelled before it started",
            targets=[t for r in results for t in r.targets],
            metrics=metrics,
            findings=[f for r in results for f in r.findings],
        )

    def _entry(self, ctx: RunContext, cfg: NamespaceDisruption, n: int) -> ScenarioResult:
        hits: list[Hit] = []
        problems: list[str] = []
        cancelled = False
        for run in range(cfg.runs):
            names = _candidates(ctx.kube.api, cfg)
            if len(names) < cfg.delete_count:
                problem = (
                    f"run {run + 1}: not enough namespaces match {_describe(cfg)}: expected "
                    f"{cfg.delete_count}, found only {len(names)}; nothing deleted"
                )
                ctx.emit("scenario.error", problem, entry=n)
                problems.append(problem)
                break
            victims = pick(names, cfg.delete_count, self._rng)
            ctx.selected(
                f"run {run + 1}: {len(victims)} of {len(names)} namespaces selected: "
                f"{', '.join(victims)}",
                field=f"scenarios[{n}]",
                within=names,
                entry=n,
                namespaces=victims,
            )
            this_run: list[Hit] = []
            for victim in victims:
                pause = bool(hits or this_run)
                if pause and self._watch(ctx, this_run, cfg.sleep, until_recovered=False).cancelled:
                    cancelled = True
                    break
                this_run.append(self._disrupt(ctx, cfg, victim, n))
            cancelled = cancelled or self._await_recovery(ctx, cfg, this_run, n)
            hits.extend(this_run)
            if cancelled:
                break
        return self._result(ctx, cfg, hits, problems, cancelled)

    def _disrupt(self, ctx: RunContext, cfg: NamespaceDisruption, name: str, n: int) -> Hit:
        """Delete the namespace's workloads (or the namespace) through the journal."""
        api = ctx.kube.api
        namespace = api.get(_namespace_ref(name))
        workloads = list_top_level(api, name, WORKLOAD_KINDS)
        hit = Hit(
            NamespaceRecovery.before(
                name,
                workloads,
                api.list_pods(name),
                namespace_uid=uid_of(namespace) if cfg.delete == "namespace" else None,
                at=ctx.clock.monotonic(),
            )
        )
        if cfg.delete == "objects":
            victims = workloads
        elif cfg.restore:  # one by one first, so that each has a snapshot to restore
            victims = [*list_top_level(api, name, NAMESPACE_KINDS), namespace]
        else:
            victims = [namespace]
        for obj in victims:
            try:
                hit.changes.append(ctx.kube.delete(ObjectRef.of(obj), restore=cfg.restore))
            except KubeError as exc:
                hit.failures.append(f"{object_key(obj)}: {exc}")
                ctx.emit("object.delete_failed", f"{name}/{object_key(obj)}: {exc}", entry=n)
        deleted = [str(c.ref) for c in hit.changes if c.entry is not None]
        shown = ", ".join(c.ref.kind + "/" + c.ref.name for c in hit.changes if c.entry is not None)
        ctx.emit(
            "namespace.disrupted",
            f"deleted {len(deleted)} objects in namespace {name}: {shown or 'none'}"
            if cfg.delete == "objects"
            else f"deleted namespace {name}",
            entry=n,
            namespace=name,
            deleted=deleted,
            ready_pods_before=hit.tracker.ready_before,
        )
        return hit

    def _watch(
        self,
        ctx: RunContext,
        hits: list[Hit],
        seconds: float,
        *,
        until_recovered: bool,
        cancel: CancelToken | None = None,
    ) -> WaitOutcome:
        """Observe the namespaces for `seconds` (or until all recovered)."""

        def check() -> bool:
            now = ctx.clock.monotonic()
            done = [_look(ctx.kube.api, hit, now) for hit in hits]
            return until_recovered and all(done)

        return wait_until(
            check,
            timeout=seconds,
            interval=POLL_SECONDS,
            clock=ctx.clock,
            cancel=cancel or ctx.cancel,
        )

    def _await_recovery(
        self, ctx: RunContext, cfg: NamespaceDisruption, hits: list[Hit], n: int
    ) -> bool:
        """Measure the system's recovery within wait_time; restore if asked. True: cancelled."""
        outcome = self._watch(ctx, hits, cfg.wait_time, until_recovered=True)
        for hit in hits:
            hit.by_system = hit.tracker.recovered
            if hit.tracker.recovered:
                seconds = hit.tracker.seconds or 0.0
                ctx.emit(
                    "recovery.ok",
                    f"{hit.namespace} back in {seconds:.1f}s",
                    entry=n,
                    namespace=hit.namespace,
                    seconds=seconds,
                )
            elif not outcome.cancelled:
                # With restore on, undertow recreates it next: that is not a failed scenario.
                kind, then = (
                    ("recovery.not_by_system", "; restoring it from the snapshots")
                    if cfg.restore
                    else ("recovery.failed", "")
                )
                ctx.emit(
                    kind,
                    f"{hit.namespace} not back after {cfg.wait_time:g}s: "
                    f"{hit.tracker.shortfall()}{then}",
                    level=logging.WARNING,  # a finding (Krkn never checks), not an ERROR line
                    entry=n,
                    namespace=hit.namespace,
                )
        if cfg.restore:
            missing = [h for h in hits if not h.tracker.recovered]
            self._restore(ctx, hits, n)
            if missing and not outcome.cancelled:
                self._watch(ctx, missing, cfg.wait_time, until_recovered=True)
        return outcome.cancelled

    def _restore(self, ctx: RunContext, hits: list[Hit], n: int) -> None:
        """Recreate from the snapshots, newest deletion first: the namespace, then what its
        workloads need, then the workloads. Runs to the end even when cancelled."""
        keep_going = CancelToken()
        for hit in hits:
            report = RollbackReport()
            changes = list(reversed(hit.changes))
            if changes and changes[0].ref.kind == "Namespace":
                _wait_replaceable(ctx, changes[0].ref, keep_going)
                hit.restored_at = ctx.clock.monotonic()
                report.extend(ctx.kube.revert(changes.pop(0)))
                _wait_default_account(ctx, hit.namespace, keep_going)
            else:
                hit.restored_at = ctx.clock.monotonic()
            for change in changes:
                report.extend(ctx.kube.revert(change))
            recreated = [o.detail for o in report.outcomes if o.outcome == "restored"]
            hit.restored = bool(recreated)
            seconds = ctx.clock.monotonic() - hit.restored_at
            for failed in report.not_restored:
                hit.failures.append(f"restore: {failed.detail}")
            ctx.emit(
                "namespace.restored",
                f"{hit.namespace}: recreated {len(recreated)} objects from their snapshots "
                f"in {seconds:.2f}s"
                + (f", {len(report.not_restored)} failed" if report.not_restored else ""),
                entry=n,
                namespace=hit.namespace,
                recreated=recreated,
                seconds=seconds,
            )

    def _result(
        self,
        ctx: RunContext,
        cfg: NamespaceDisruption,
        hits: list[Hit],
        problems: list[str],
        cancelled: bool,
    ) -> ScenarioResult:
        targets = [h.namespace for h in hits]
        by_system = [h for h in hits if h.by_system]
        restored = [h for h in hits if h.restored and not h.by_system]
        not_back = [h for h in hits if not h.tracker.recovered]
        failures = [f"{h.namespace}: {f}" for h in hits for f in h.failures]
        metrics: dict[str, float] = {
            "namespaces": float(len(hits)),
            "objects_deleted": float(sum(len(h.changes) for h in hits)),
        }
        times = [h.tracker.seconds for h in by_system if h.tracker.seconds is not None]
        if times:
            metrics["max_recovery_seconds"] = max(times)
        after_restore = [
            h.tracker.recovered_at - h.restored_at
            for h in restored
            if h.tracker.recovered_at is not None and h.restored_at is not None
        ]
        if cfg.restore:
            metrics["restored_by_undertow"] = float(len(restored))
        if after_restore:
            metrics["max_ready_after_restore_seconds"] = max(after_restore)
        parts = list(problems) + failures
        if cancelled:
            parts.append("cancelled")
        findings: list[str] = []
        if not_back and cfg.restore:  # undertow's own restore did not bring them back
            parts.append(
                "not recovered: "
                + "; ".join(f"{h.namespace} ({h.tracker.shortfall()})" for h in not_back)
            )
        elif not_back:  # Krkn reads wait_time but never checks it
            findings = [
                f"{h.namespace} not back within wait_time {cfg.wait_time:g}s "
                f"({h.tracker.shortfall()})"
                for h in not_back
            ]
        if parts:
            return ScenarioResult(False, "; ".join(parts), targets, metrics, findings)
        summary = f"disrupted {len(hits)} namespaces ({', '.join(targets)})"
        if by_system:
            summary += f"; {len(by_system)} recovered by the system (slowest {max(times):.1f}s)"
        if restored:
            ready = max(after_restore, default=0.0)
            summary += (
                f"; {len(restored)} not back within {cfg.wait_time:g}s, restored from "
                f"snapshots by undertow (ready {ready:.2f}s after undertow began recreating them)"
            )
        if findings:
            summary += f"; {len(findings)} not back within {cfg.wait_time:g}s (finding)"
        return ScenarioResult(True, summary, targets, metrics, findings)


plugin = ServiceDisruptionPlugin()
