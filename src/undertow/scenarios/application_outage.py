"""`application_outages_scenarios`: a deny-all NetworkPolicy on the selected pods for
`duration` seconds, then removed (through the same undo step a rollback would run).

File format (Krkn's): top key `application_outage:`.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.fields import NamespaceName, Seconds, SpecModel
from undertow.scenarios.common.selectors import (
    parse_selector,
    selector_from_map,
    validate_key,
    validate_value,
)
from undertow.scenarios.common.targets import pod_key


def _exclusions(value: object) -> object:
    """Krkn accepts `exclude_label` as a map, a `k=v,k2=a|b` string or a list of `k=v`;
    all become `{key: [values]}` (each a `NotIn` match expression)."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        value = [
            f"{k}={'|'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
        ]
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("expected a map, a 'k=v,k2=a|b' string or a list of 'k=v'")
    result: dict[str, list[str]] = {}
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            raise ValueError(f"expected 'key=value', got {item!r}")
        key, _, values = item.partition("=")
        result.setdefault(key.strip(), []).extend(v.strip() for v in values.split("|"))
    return result


class ApplicationOutage(SpecModel):
    namespace: NamespaceName
    """The namespace of the pods to cut off (it must exist)."""
    pod_selector: dict[str, str] = {}
    """matchLabels of the pods to cut off; empty selects every pod of the namespace."""
    block: Annotated[list[Literal["Ingress", "Egress"]], Field(min_length=1)] = [
        "Ingress",
        "Egress",
    ]
    """The policy types to deny, each at most once."""
    duration: Seconds = 60
    """How long the deny NetworkPolicy stays before it is removed."""
    exclude_label: Annotated[
        dict[str, list[str]],
        BeforeValidator(
            _exclusions, json_schema_input_type=dict[str, str | list[str]] | str | list[str] | None
        ),
    ] = {}
    """Pods to leave alone: a map, a k=v,k2=a|b string or a list of k=v; each key becomes a NotIn
    expression."""

    @field_validator("pod_selector")
    @classmethod
    def _valid_labels(cls, value: dict[str, str]) -> dict[str, str]:
        selector_from_map(value)
        return value

    @field_validator("block")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each policy type may appear once")
        return value

    @field_validator("exclude_label")
    @classmethod
    def _valid_exclusions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, values in value.items():
            validate_key(key)
            for item in values:
                validate_value(item, key)
        return value

    def pod_selector_string(self) -> str:
        """The policy's pod selection as a label selector string (for listing the pods)."""
        parts = [f"{k}={v}" for k, v in self.pod_selector.items()]
        parts += [f"{k} notin ({','.join(v)})" for k, v in self.exclude_label.items()]
        text = ",".join(parts)
        parse_selector(text)
        return text


class ApplicationOutageSpec(SpecModel):
    application_outage: ApplicationOutage
    """The outage: which pods, which directions, for how long."""


# --- the plugin ------------------------------------------------------------------------


def network_policy(outage: ApplicationOutage, name: str) -> dict[str, Any]:
    """A policy with the given types and no rules: all such traffic of the pods is denied."""
    selector: dict[str, Any] = {}
    if outage.pod_selector:
        selector["matchLabels"] = dict(outage.pod_selector)
    if outage.exclude_label:
        selector["matchExpressions"] = [
            {"key": key, "operator": "NotIn", "values": list(values)}
            for key, values in outage.exclude_label.items()
        ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": outage.namespace},
        "spec": {"podSelector": selector, "policyTypes": list(outage.block)},
    }


class ApplicationOutagePlugin:
    scenario_type = "application_outages_scenarios"
    summary = "Block Ingress/Egress of selected pods with a deny NetworkPolicy for a duration"
    spec_model = ApplicationOutageSpec

    def plan(self, ctx: PlanContext, spec: ApplicationOutageSpec) -> list[str]:
        outage = spec.application_outage
        pods = ctx.api.list_pods(outage.namespace, outage.pod_selector_string() or None)
        return [
            f"create a NetworkPolicy in {outage.namespace} denying {'+'.join(outage.block)} "
            f"for {len(pods)} pods ({outage.pod_selector_string() or 'all pods'}) "
            f"for {outage.duration:g}s, then delete it",
            *ctx.refusals(
                f"pods {outage.pod_selector_string() or 'all'} in {outage.namespace}",
                field="application_outage.namespace",
                count=len(pods),
                namespaces=[outage.namespace],
            ),
        ]

    def run(self, ctx: RunContext, spec: ApplicationOutageSpec) -> ScenarioResult:
        outage = spec.application_outage
        ctx.kube.api.get(ObjectRef("v1", "Namespace", outage.namespace))
        pods = ctx.kube.api.list_pods(outage.namespace, outage.pod_selector_string() or None)
        ctx.selected(
            f"{len(pods)} pods ({outage.pod_selector_string() or 'all pods'}) in "
            f"{outage.namespace} to cut off",
            field="application_outage.namespace",
            within=[outage.namespace],
            pods=[pod_key(p) for p in pods],
        )
        name = f"undertow-outage-{secrets.token_hex(4)}"
        created = ctx.kube.create(network_policy(outage, name))
        ref = ObjectRef.of(created)
        started = ctx.clock.monotonic()
        targets = [pod_key(p) for p in pods]
        ctx.emit(
            "outage.started",
            f"created NetworkPolicy {outage.namespace}/{name} blocking {'+'.join(outage.block)} "
            f"of {len(pods)} pods ({outage.pod_selector_string() or 'all pods'}); "
            f"waiting {outage.duration:g}s",
            policy=name,
            pods=targets,
        )
        cancelled = ctx.clock.sleep(outage.duration, ctx.cancel)
        ctx.kube.revert_or_fail(ref, failure=f"the NetworkPolicy {name} could not be removed")
        held = ctx.clock.monotonic() - started
        ctx.emit(
            "outage.ended",
            f"deleted NetworkPolicy {outage.namespace}/{name} after {held:.1f}s",
            seconds=held,
        )
        metrics = {"outage_seconds": held, "pods": float(len(pods))}
        if cancelled:
            return ScenarioResult(False, f"cancelled after {held:.1f}s", targets, metrics)
        summary = f"{len(pods)} pods cut off ({'+'.join(outage.block)}) for {held:.1f}s"
        return ScenarioResult(True, summary, targets, metrics)


plugin = ApplicationOutagePlugin()
