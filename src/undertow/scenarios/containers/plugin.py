"""`container_scenarios`: send a signal to chosen containers' main process (`kill -SIG 1`
run inside the container, as Krkn does; from a helper pod on its node when the image has no
`kill`, see `from_node`), then wait until each container has restarted (restartCount grew)
and is Ready again, within `expected_recovery_time`, per container.

Nothing needs undoing (the kubelet restarts the container): each signal is journaled as a
record only, removed when the scenario passes, and reported as an event.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from undertow.errors import NotFound, ScenarioError
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.selectors import parse_selector
from undertow.scenarios.common.status import Obj, name_of, namespace_of, uid_of
from undertow.scenarios.common.targets import filter_pods, pick, pod_key
from undertow.scenarios.common.waiting import wait_until
from undertow.scenarios.containers.from_node import signal_from_node
from undertow.scenarios.containers.spec import ContainerKill, ContainerScenariosSpec

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Victim:
    """One container chosen to be signalled, and its restart count before."""

    pod: Obj
    container: str
    restarts_before: int

    @property
    def key(self) -> str:
        return f"{pod_key(self.pod)}/{self.container}"


def container_status(pod: Obj, container: str) -> Obj | None:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container:
            found: Obj = status
            return found
    return None


def _running(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running"


def candidates(api: KubeApi, kill: ContainerKill) -> list[Victim]:
    """Running pods matching the entry, each with the container to signal."""
    namespace = None if kill.namespace == "*" else kill.namespace
    listed = api.list_pods(namespace, kill.label_selector or None)
    exclude = parse_selector(kill.exclude_label) if kill.exclude_label else None
    pods = [p for p in filter_pods(listed, exclude=exclude) if _running(p)]
    if kill.pod_names:
        pods = [p for p in pods if name_of(p) in kill.pod_names]
    victims = []
    for pod in pods:
        containers = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or []]
        chosen = kill.container_name or (containers[0] if containers else "")
        if chosen not in containers:
            continue
        status = container_status(pod, chosen) or {}
        victims.append(Victim(pod, chosen, int(status.get("restartCount") or 0)))
    return sorted(victims, key=lambda v: v.key)


def _describe(kill: ContainerKill) -> str:
    where = "every namespace" if kill.namespace == "*" else f"namespace {kill.namespace}"
    what = (
        f"pods {', '.join(kill.pod_names)}"
        if kill.pod_names
        else f"pods matching {kill.label_selector or 'any label'}"
    )
    container = kill.container_name or "the first container"
    return f"{container} of {what} in {where}"


class ContainerKillPlugin:
    scenario_type = "container_scenarios"
    summary = "Signal containers' main process (kill -SIG 1 inside); measure their restart"
    spec_model = ContainerScenariosSpec

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()

    def plan(self, ctx: PlanContext, spec: ContainerScenariosSpec) -> list[str]:
        lines = []
        for n, kill in enumerate(spec.scenarios):
            found = candidates(ctx.api, kill)
            lines.append(
                f"[{n}] {kill.title}: send {kill.signal_name} (kill -{kill.action} 1) to "
                f"{min(kill.count, len(found))} of {len(found)} running containers: "
                f"{_describe(kill)}; expect each restarted and Ready within "
                f"{kill.expected_recovery_time:g}s"
            )
            if len(found) < kill.count:
                lines.append(f"[{n}] would fail: only {len(found)} match, {kill.count} wanted")
            lines += ctx.refusals(
                f"containers: {_describe(kill)}",
                field=f"scenarios[{n}]",
                count=min(kill.count, len(found)),
                namespaces={namespace_of(v.pod) for v in found},
                entry=n,
            )
        return lines

    def run(self, ctx: RunContext, spec: ContainerScenariosSpec) -> ScenarioResult:
        results = [self._one(ctx, kill, n) for n, kill in enumerate(spec.scenarios)]
        metrics: dict[str, float] = {}
        for result in results:
            for key, value in result.metrics.items():
                metrics[key] = max(metrics.get(key, 0.0), value)
        metrics["killed"] = float(sum(len(r.targets) for r in results))
        return ScenarioResult(
            passed=all(r.passed for r in results) and not ctx.cancel.cancelled,
            summary="; ".join(r.summary for r in results),
            targets=[t for r in results for t in r.targets],
            metrics=metrics,
        )

    def _one(self, ctx: RunContext, kill: ContainerKill, n: int) -> ScenarioResult:
        found = candidates(ctx.kube.api, kill)
        if len(found) < kill.count:
            message = (
                f"{kill.title}: only {len(found)} running containers match, {kill.count} wanted"
            )
            ctx.emit("scenario.error", message, entry=n)
            return ScenarioResult(False, message)
        victims = pick(found, kill.count, self._rng)
        ctx.selected(
            f"{kill.title}: {len(victims)} of {len(found)} containers selected: {_describe(kill)}",
            field=f"scenarios[{n}]",
            within={namespace_of(v.pod) for v in found},
            entry=n,
            containers=[v.key for v in victims],
        )
        killed_at: dict[str, float] = {}
        for victim in victims:
            killed_at[victim.key] = _signal(ctx, victim, kill, n)
        recovered: dict[str, float] = {}

        def all_back() -> bool:
            for victim in victims:
                if victim.key not in recovered and _restarted(ctx.kube.api, victim):
                    recovered[victim.key] = ctx.clock.monotonic() - killed_at[victim.key]
                    ctx.emit(
                        "container.recovered",
                        f"{victim.key} restarted and Ready in {recovered[victim.key]:.1f}s",
                        entry=n,
                        container=victim.key,
                        seconds=recovered[victim.key],
                    )
            return len(recovered) == len(victims)

        outcome = wait_until(
            all_back,
            timeout=kill.expected_recovery_time,
            interval=POLL_SECONDS,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
        keys = [v.key for v in victims]
        metrics = {f"recovery_seconds[{key}]": seconds for key, seconds in recovered.items()}
        if recovered:
            metrics["max_recovery_seconds"] = max(recovered.values())
        if outcome.done:
            summary = (
                f"{kill.title}: {len(victims)} container(s) got {kill.signal_name}, all "
                f"restarted and Ready within {max(recovered.values()):.1f}s"
            )
            ctx.emit("recovery.ok", summary, entry=n)
            return ScenarioResult(True, summary, keys, metrics)
        missing = sorted(set(keys) - set(recovered))
        if outcome.cancelled:
            return ScenarioResult(False, f"{kill.title}: cancelled", keys, metrics)
        summary = (
            f"{kill.title}: not restarted and Ready within {kill.expected_recovery_time:g}s: "
            f"{', '.join(missing)} (a main process ignores signals it has no handler for: "
            "pid 1 of a container is its namespace's init)"
        )
        ctx.emit("recovery.failed", summary, entry=n, containers=missing)
        return ScenarioResult(False, summary, keys, metrics)


def _signal(ctx: RunContext, victim: Victim, kill: ContainerKill, n: int) -> float:
    """Signal one container: `kill` inside it, or, when its image has none, from its node.
    When it was signalled (`ctx.clock.monotonic()`), for the recovery time."""
    _, result = ctx.kube.signal_container(victim.pod, victim.container, kill.action)
    output = (result.stderr or result.stdout).strip()
    if result.not_started:
        try:
            said, signalled_at = signal_from_node(ctx, victim.pod, victim.container, kill.action)
        except ScenarioError as exc:
            raise ScenarioError(
                f"cannot signal {victim.key}: its image has no `kill` command ({output}), "
                f"and from its node: {exc}"
            ) from exc
        ctx.emit(
            "container.killed",
            f"sent {kill.signal_name} to pid 1 of {victim.key} from its node (its image has "
            f"no `kill`): {said}",
            entry=n,
            container=victim.key,
            signal=kill.action,
            restarts_before=victim.restarts_before,
            from_node=True,
        )
        return signalled_at
    if result.returncode != 0 and not result.cut_short:
        raise ScenarioError(
            f"`kill -{kill.action} 1` failed in {victim.key} (exit {result.returncode}): "
            f"{output or 'no output'}"
        )
    signalled_at = ctx.clock.monotonic()
    ctx.emit(
        "container.killed",
        f"sent {kill.signal_name} to pid 1 of {victim.key}",
        entry=n,
        container=victim.key,
        signal=kill.action,
        restarts_before=victim.restarts_before,
    )
    return signalled_at


def _restarted(api: KubeApi, victim: Victim) -> bool:
    """The same pod's container restarted since the kill and is Ready again."""
    ref = ObjectRef("v1", "Pod", name_of(victim.pod), namespace_of(victim.pod))
    try:
        pod = api.get(ref)
    except NotFound:
        return False
    if uid_of(pod) != uid_of(victim.pod):
        return False
    status = container_status(pod, victim.container) or {}
    return int(status.get("restartCount") or 0) > victim.restarts_before and bool(
        status.get("ready")
    )


plugin = ContainerKillPlugin()
