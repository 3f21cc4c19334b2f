"""`syn_flood_scenarios`: hping3 SYN floods from `number-of-pods` attacker pods per target
Service, for `duration` seconds, then every attacker pod is removed.

Targets are the Service named by `target-service`, or every Service matching
`target-service-label`, in `namespace`; the SYNs go to each Service's cluster IP (resolved
here, so the attackers need no cluster DNS) on `target-port`. The attacker pods are generator
pods (`common.generators`): journaled before they exist, ending by themselves.
"""

from __future__ import annotations

import secrets

from undertow.errors import NotFound, ScenarioError
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.generators import generator_pod, run_generators
from undertow.scenarios.common.helper_pod import EXPIRY_MARGIN
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.syn_flood.attack import hping_command, packets_sent
from undertow.scenarios.syn_flood.spec import SynFloodSpec

KIND = "syn-flood"


def target_services(api: KubeApi, spec: SynFloodSpec) -> list[Obj]:
    """The Services to flood; each needs a cluster IP (a headless Service has none)."""
    if spec.target_service:
        ref = ObjectRef("v1", "Service", spec.target_service, spec.namespace)
        try:
            services = [api.get(ref)]
        except NotFound:
            raise ScenarioError(
                f"target-service: no Service {spec.target_service} in {spec.namespace}"
            ) from None
    else:
        services = api.list("v1", "Service", spec.namespace, spec.target_service_label)
        if not services:
            raise ScenarioError(
                f"target-service-label: no Service in {spec.namespace} matches "
                f"{spec.target_service_label!r}"
            )
    headless = [name_of(s) for s in services if not _cluster_ip(s)]
    if headless:
        raise ScenarioError(f"Service(s) without a cluster IP: {', '.join(sorted(headless))}")
    return sorted(services, key=name_of)


def _field(spec: SynFloodSpec) -> str:
    """Where the file chooses the target Services."""
    return "target-service" if spec.target_service else "target-service-label"


def _keys(spec: SynFloodSpec, services: list[Obj]) -> list[str]:
    return [f"{spec.namespace}/{name_of(s)}" for s in services]


def _cluster_ip(service: Obj) -> str:
    ip = str((service.get("spec") or {}).get("clusterIP") or "")
    return "" if ip == "None" else ip


class SynFloodPlugin:
    scenario_type = "syn_flood_scenarios"
    summary = "SYN flood a Service's port with hping3 from attacker pods for a duration"
    spec_model = SynFloodSpec

    def plan(self, ctx: PlanContext, spec: SynFloodSpec) -> list[str]:
        try:
            services = target_services(ctx.api, spec)
        except ScenarioError as exc:
            return [f"would fail: {exc}"]
        lines = [
            f"create {spec.number_of_pods} syn-flood pod(s) in {spec.namespace} against "
            f"Service {name_of(s)} ({_cluster_ip(s)}:{spec.target_port}): "
            + " ".join(hping_command(spec, _cluster_ip(s)))
            for s in services
        ]
        lines.append(
            f"each pod stops itself after {spec.duration}s (activeDeadlineSeconds "
            f"{spec.duration + EXPIRY_MARGIN}); then every syn-flood pod is deleted"
        )
        return lines + ctx.refusals(
            "Services to flood",
            field=_field(spec),
            count=len(services),
            namespaces=[spec.namespace],
        )

    def run(self, ctx: RunContext, spec: SynFloodSpec) -> ScenarioResult:
        services = target_services(ctx.kube.api, spec)
        ctx.selected(
            f"Services to flood: {', '.join(_keys(spec, services))}",
            field=_field(spec),
            services=_keys(spec, services),
        )
        targets = [name_of(s) for s in services]
        pods = [
            generator_pod(
                name=f"undertow-syn-flood-{secrets.token_hex(4)}",
                namespace=spec.namespace,
                image=spec.image,
                command=hping_command(spec, _cluster_ip(service)),
                duration=spec.duration,
                helpers=ctx.helpers,
                attacker_nodes=spec.attacker_nodes,
                kind=KIND,
            )
            for service in services
            for _ in range(spec.number_of_pods)
        ]
        ctx.emit(
            "syn-flood.targets",
            f"SYN flood on {', '.join(targets)} port {spec.target_port} "
            f"from {len(pods)} pod(s) for {spec.duration}s",
            targets=targets,
        )
        outcome = run_generators(ctx, pods, duration=spec.duration, kind=KIND)
        counts = {pod: packets_sent(log) for pod, log in outcome.logs.items()}
        sent = [n for n in counts.values() if n is not None]
        metrics = {"pods": float(len(pods)), "packets_sent": float(sum(sent))}
        failed = outcome.failed + outcome.unreadable(counts, "hping3 statistics")
        if not outcome.removal.complete:
            why = outcome.removal.why_incomplete()
            return ScenarioResult(False, f"clean-up incomplete: {why}", targets, metrics)
        if ctx.cancel.cancelled:
            return ScenarioResult(False, "cancelled", targets, metrics)
        if failed:
            shown = ", ".join(failed)
            return ScenarioResult(
                False, f"syn-flood pods did not complete: {shown}", targets, metrics
            )
        return ScenarioResult(
            True,
            f"SYN flood ran {spec.duration}s from {len(pods)} pod(s) on {', '.join(targets)} "
            f"port {spec.target_port}: {sum(sent)} packets sent",
            targets,
            metrics,
        )


plugin = SynFloodPlugin()
