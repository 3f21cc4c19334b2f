"""`pod_disruption_scenarios`: delete pods, then measure how long their controllers take
to bring the same number of Running+Ready pods back.

File format (Krkn's): a list of `{id: kill-pods, config: {...}}`.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Literal

from pydantic import RootModel, model_validator

from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.concurrency import fan_out
from undertow.scenarios.common.fields import (
    Count,
    LabelSelector,
    NodeName,
    Regex,
    Seconds,
    SpecModel,
)
from undertow.scenarios.common.lookup import PodQuery, find_pods, sample_pods
from undertow.scenarios.common.recovery import PodRecovery
from undertow.scenarios.common.status import Obj, namespace_of
from undertow.scenarios.common.targets import pod_key
from undertow.scenarios.common.waiting import wait_until

if TYPE_CHECKING:
    pass


class KillPodsConfig(SpecModel):
    """Which pods to delete and how long to wait for them to come back."""

    namespace_pattern: Regex
    """Regex of the namespaces whose pods may be deleted (matched with re.match: write ^name$ for
    one namespace)."""
    label_selector: LabelSelector = ""
    """Label selector of the pods to pick from; set this or name_pattern, not both."""
    name_pattern: Regex = ""
    """Regex of the pod names to pick from; set this or label_selector, not both."""
    kill: Count = 1
    """How many pods to delete, picked at random among the matches; fewer matches fail the entry
    without deleting anything."""
    krkn_pod_recovery_time: Seconds = 120
    """How long the killed pods may take to be replaced by Running and Ready pods; the effective
    limit is the smaller of this and timeout."""
    timeout: Seconds = 120
    """Also a recovery limit (Krkn fails on either): the effective limit is the smaller of this and
    krkn_pod_recovery_time."""
    duration: Seconds = 10
    """Polling period while waiting for recovery (capped at 1 s)."""
    execution: Literal["serial", "parallel"] = "serial"
    """serial: one deletion after another; parallel: up to 32 in flight, at most 200 started per
    second."""
    force: bool = False
    """Delete with grace period 0."""
    exclude_label: LabelSelector = ""
    """Pods matching this label selector are never picked."""
    node_label_selector: LabelSelector = ""
    """Only pods on nodes matching this label selector."""
    node_names: list[NodeName] = []
    """Only pods on these nodes."""

    @model_validator(mode="after")
    def _one_pod_filter(self) -> KillPodsConfig:
        if not self.namespace_pattern:
            raise ValueError("namespace_pattern must not be empty")
        if bool(self.label_selector) == bool(self.name_pattern):
            raise ValueError("set exactly one of label_selector and name_pattern")
        return self

    @property
    def recovery_deadline(self) -> float:
        """Krkn fails when either its pod monitor (`krkn_pod_recovery_time`) or its
        running-pod count (`timeout`) gives up, so the effective limit is the smaller."""
        return min(self.krkn_pod_recovery_time, self.timeout)


class KillPods(SpecModel):
    id: Literal["kill-pods"]
    """The entry's kind; kill-pods is the only one."""
    config: KillPodsConfig
    """Which pods to delete and how long to wait for them to come back."""


class PodDisruptionSpec(RootModel[list[KillPods]]):
    """The whole scenario file: one or more kill-pods entries, run in order."""


# --- the plugin ------------------------------------------------------------------------


KILL_WORKERS = 32
"""Deletions in flight at once (`execution: parallel`). A pod delete waits on the API server
(~150 ms each while a 1,000-pod kill makes the control plane recreate them), so the throughput
is about this many per 150 ms, up to KILL_RATE; kept within the client's connection pool."""
KILL_RATE = 200.0
"""Deletions started per second at most, so a large kill does not flood the API server."""


def _query(cfg: KillPodsConfig) -> PodQuery:
    return PodQuery(
        namespace_pattern=cfg.namespace_pattern,
        label_selector=cfg.label_selector,
        name_pattern=cfg.name_pattern,
        exclude_label=cfg.exclude_label,
        node_label_selector=cfg.node_label_selector,
        node_names=tuple(cfg.node_names),
    )


def _describe(cfg: KillPodsConfig) -> str:
    what = f"label {cfg.label_selector}" if cfg.label_selector else f"name ~ {cfg.name_pattern}"
    extra = f", excluding {cfg.exclude_label}" if cfg.exclude_label else ""
    return f"namespace ~ {cfg.namespace_pattern}, {what}{extra}"


class PodDisruptionPlugin:
    scenario_type = "pod_disruption_scenarios"
    summary = "Delete pods by namespace regex and label or name; measure their recovery"
    spec_model = PodDisruptionSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def plan(self, ctx: PlanContext, spec: PodDisruptionSpec) -> list[str]:
        lines = []
        for n, entry in enumerate(spec.root):
            cfg = entry.config
            found = find_pods(ctx.api, _query(cfg))
            force = " with grace period 0" if cfg.force else ""
            lines.append(
                f"[{n}] delete {min(cfg.kill, len(found))} of {len(found)} pods matching "
                f"{_describe(cfg)}{force}; expect {len(found)} Running+Ready again within "
                f"{cfg.recovery_deadline:g}s"
            )
            if len(found) < cfg.kill:
                lines.append(f"[{n}] would fail: only {len(found)} pods match, {cfg.kill} wanted")
            lines += ctx.refusals(
                f"pods matching {_describe(cfg)}",
                field=f"[{n}].config",
                count=min(cfg.kill, len(found)),
                namespaces={namespace_of(p) for p in found},
                entry=n,
            )
        return lines

    def run(self, ctx: RunContext, spec: PodDisruptionSpec) -> ScenarioResult:
        results = [self._one(ctx, entry.config, n) for n, entry in enumerate(spec.root)]
        failed = [r for r in results if not r.passed]
        metrics: dict[str, float] = {}
        for r in results:
            for key, value in r.metrics.items():
                metrics[key] = metrics.get(key, 0.0) + value if key == "killed" else value
        return ScenarioResult(
            passed=not failed and not ctx.cancel.cancelled,
            summary="; ".join(r.summary for r in results),
            targets=[t for r in results for t in r.targets],
            metrics=metrics,
        )

    def _one(self, ctx: RunContext, cfg: KillPodsConfig, n: int) -> ScenarioResult:
        started = ctx.clock.monotonic()
        sample = sample_pods(ctx.kube.api, _query(cfg), cfg.kill, self._rng)
        population, victims = sample.matching, sample.chosen
        selection = ctx.clock.monotonic() - started
        if len(population) < cfg.kill:
            message = (
                f"not enough pods match {_describe(cfg)}: expected {cfg.kill}, "
                f"found only {len(population)}"
            )
            ctx.emit("scenario.error", message, entry=n)
            return ScenarioResult(False, message, metrics={"selection_seconds": selection})
        ctx.selected(
            f"{len(victims)} of {len(population)} pods matching {_describe(cfg)} selected in "
            f"{selection:.2f}s; waiting up to {cfg.recovery_deadline:g}s for their recovery",
            field=f"[{n}].config",
            within={namespace_of(p) for p in population},
            entry=n,
            pods=[pod_key(p) for p in victims],
        )
        tracker = PodRecovery.before(population)
        killed_at = ctx.clock.monotonic()
        failures = _kill(ctx, cfg, victims, tracker, n)
        kill_seconds = max(ctx.clock.monotonic() - killed_at, 1e-9)
        ctx.log.info("deleted %d pods in %.2fs", len(tracker.killed), kill_seconds)
        outcome = wait_until(
            lambda: tracker.observe(find_pods(ctx.kube.api, _query(cfg)), ctx.clock.monotonic()),
            timeout=cfg.recovery_deadline,
            interval=min(cfg.duration, 1.0) or 0.5,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
        metrics = _metrics(tracker, killed_at, selection, kill_seconds)
        for key, seconds in tracker.times_to_recover().items():
            if seconds is not None:
                ctx.emit(
                    "pod.recovered", f"{key} replaced in {seconds:.1f}s", pod=key, seconds=seconds
                )
        shown = [k.key for k in tracker.killed]
        if failures:
            summary = f"{failures} of {len(victims)} deletions failed"
        elif outcome.cancelled:
            summary = "cancelled while waiting for recovery"
        elif not tracker.recovered:
            summary = (
                f"not recovered: {tracker.ready_now} of {tracker.expected} pods Running+Ready "
                f"after {cfg.recovery_deadline:g}s"
            )
            ctx.emit("recovery.failed", summary, entry=n)
        else:
            summary = (
                f"killed {len(tracker.killed)} pods; {tracker.expected} Running+Ready again "
                f"in {metrics['recovery_seconds']:.1f}s"
            )
            ctx.emit("recovery.ok", summary, entry=n, seconds=metrics["recovery_seconds"])
            return ScenarioResult(True, summary, shown, metrics)
        return ScenarioResult(False, summary, shown, metrics)


def _kill(
    ctx: RunContext, cfg: KillPodsConfig, victims: list[Obj], tracker: PodRecovery, n: int
) -> int:
    """Delete the victims (bounded and rate-limited); return how many deletions failed.

    Each is deleted as listed: its snapshot is journaled from the listing and the delete is
    pinned to its uid, so a pod replaced since the listing is refused (a reported failure).
    """
    grace = 0 if cfg.force else None

    def kill(pod: Obj) -> float:
        ctx.kube.delete(ObjectRef.of(pod), grace_period_seconds=grace, current=pod)
        return ctx.clock.monotonic()

    workers = KILL_WORKERS if cfg.execution == "parallel" else 1
    outcomes = fan_out(victims, kill, workers=workers, per_second=KILL_RATE, cancel=ctx.cancel)
    failures = 0
    for o in outcomes:
        if o.result is not None:
            tracker.killed_pod(o.item, o.result)
            ctx.emit("pod.killed", f"deleted pod {pod_key(o.item)}", entry=n, pod=pod_key(o.item))
        else:
            failures += 1
            ctx.emit("pod.kill_failed", f"{pod_key(o.item)}: {o.error}", entry=n)
    return failures


def _metrics(
    tracker: PodRecovery, killed_at: float, selection: float, kill_seconds: float
) -> dict[str, float]:
    metrics = {
        "selection_seconds": selection,
        "killed": float(len(tracker.killed)),
        "kill_seconds": kill_seconds,
        "kills_per_second": len(tracker.killed) / kill_seconds,
        "expected_ready": float(tracker.expected),
        "ready_after": float(tracker.ready_now),
    }
    known = [s for s in tracker.times_to_recover().values() if s is not None]
    if known:
        metrics["max_pod_recovery_seconds"] = max(known)
    if tracker.recovered_at is not None:
        metrics["recovery_seconds"] = tracker.recovered_at - killed_at
    return metrics


plugin = PodDisruptionPlugin()
