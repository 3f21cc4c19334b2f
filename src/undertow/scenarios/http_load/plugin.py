"""`http_load_scenarios`: `number-of-pods` vegeta pods send `rate` requests round-robin to
the endpoints for `duration`, `runs` times; their JSON reports, read from the pod logs, give
the scenario's requests, success ratio and latencies; then every pod is removed.

Endpoint hosts naming a Service (`<name>.<namespace>.svc`) are resolved to its cluster IP in
the pods' /etc/hosts (`hosts`), so the load needs no cluster DNS. The pods are generator pods
(`common.generators`): journaled before they exist, ending by
themselves (vegeta's `-duration`, `activeDeadlineSeconds`), removed at the end and on rollback.
As in Krkn, the verdict is whether the load ran; failed requests are a finding.
"""

from __future__ import annotations

import secrets
from typing import Any

from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.generators import generator_pod, run_generators
from undertow.scenarios.common.helper_pod import EXPIRY_MARGIN
from undertow.scenarios.http_load.hosts import host_aliases, service_targets
from undertow.scenarios.http_load.spec import HttpLoadConfig, HttpLoadSpec, go_seconds
from undertow.scenarios.http_load.vegeta import (
    TARGETS_ENV,
    attack_command,
    parse_report,
    targets_json,
    total,
)

KIND = "http-load"
_FIELD = "[{}].http_load_scenario.targets.endpoints"


def _deadline(config: HttpLoadConfig) -> float:
    """vegeta waits up to `timeout` for the last requests after `duration`."""
    return config.seconds + go_seconds(config.timeout)


def _describe(config: HttpLoadConfig) -> str:
    urls = ", ".join(f"{e.method} {e.url}" for e in config.targets.endpoints)
    return (
        f"{config.number_of_pods} http-load pod(s) in {config.namespace}, each {config.rate} "
        f"for {config.duration}: {urls}"
    )


class HttpLoadPlugin:
    scenario_type = "http_load_scenarios"
    summary = "HTTP load from vegeta pods against endpoints; reports requests and latencies"
    spec_model = HttpLoadSpec

    def plan(self, ctx: PlanContext, spec: HttpLoadSpec) -> list[str]:
        lines = []
        for index, entry in enumerate(spec.root):
            config = entry.http_load_scenario
            lines.append(f"[{index}] {config.runs} run(s) of {_describe(config)}")
            lines.append(
                f"[{index}] each pod stops itself after {config.duration} (activeDeadlineSeconds "
                f"{int(_deadline(config)) + EXPIRY_MARGIN}); then every http-load pod is deleted"
            )
            services = service_targets(config.targets.endpoints)
            lines += ctx.refusals(
                "Services the endpoints name",
                field=_FIELD.format(index),
                count=len(services),
                namespaces={s.partition("/")[0] for s in services},
                entry=index,
            )
        return lines

    def run(self, ctx: RunContext, spec: HttpLoadSpec) -> ScenarioResult:
        reports: list[dict[str, Any]] = []
        failed: list[str] = []
        pods = 0
        for index, entry in enumerate(spec.root):
            config = entry.http_load_scenario
            services = service_targets(config.targets.endpoints)
            ctx.selected(
                f"Services the endpoints name: {', '.join(services) or 'none'}",
                field=_FIELD.format(index),
                entry=index,
                services=services,
            )
        for entry in spec.root:
            config = entry.http_load_scenario
            for _ in range(config.runs):
                ctx.emit("http-load.targets", f"HTTP load: {_describe(config)}")
                outcome = run_generators(
                    ctx, self._pods(ctx, config), duration=_deadline(config), kind=KIND
                )
                pods += len(outcome.phases)
                found = {pod: parse_report(log) for pod, log in outcome.logs.items()}
                reports += [r for r in found.values() if r is not None]
                failed += outcome.failed
                failed += outcome.unreadable(found, "vegeta report")
                if not outcome.removal.complete:
                    why = outcome.removal.why_incomplete()
                    return ScenarioResult(False, f"clean-up incomplete: {why}")
                if ctx.cancel.cancelled:
                    return ScenarioResult(False, "cancelled")
        totals = total(reports)
        metrics = {"pods": float(pods), **totals.metrics()}
        targets = sorted(
            {e.url for entry in spec.root for e in entry.http_load_scenario.targets.endpoints}
        )
        summary = (
            f"{totals.requests} requests from {pods} pod(s), "
            f"{totals.success_ratio:.1%} successful, mean latency "
            f"{totals.latencies_ms['mean']:.1f} ms, p99 {totals.latencies_ms['99th']:.1f} ms"
        )
        ctx.emit(
            "http-load.report",
            f"HTTP load report: {summary}",
            status_codes=dict(totals.status_codes),
            errors=list(totals.errors),
        )
        if failed:
            return ScenarioResult(
                False, f"http-load pods did not complete: {', '.join(failed)}", targets, metrics
            )
        findings = []
        if totals.success_ratio < 1:
            shown = "; ".join(totals.errors[:3])
            findings.append(f"{1 - totals.success_ratio:.1%} of the requests failed: {shown}")
        return ScenarioResult(True, summary, targets, metrics, findings)

    def _pods(self, ctx: RunContext, config: HttpLoadConfig) -> list[dict[str, Any]]:
        targets = targets_json(config.targets.endpoints)
        aliases = host_aliases(ctx.kube.api, config.targets.endpoints)
        pods = [
            generator_pod(
                name=f"undertow-http-load-{secrets.token_hex(4)}",
                namespace=config.namespace,
                image=config.image,
                command=attack_command(config),
                duration=_deadline(config),
                helpers=ctx.helpers,
                attacker_nodes=config.attacker_nodes,
                kind=KIND,
                env={TARGETS_ENV: targets},
            )
            for _ in range(config.number_of_pods)
        ]
        for pod in pods:
            if aliases:
                pod["spec"]["hostAliases"] = aliases
        return pods


plugin = HttpLoadPlugin()
