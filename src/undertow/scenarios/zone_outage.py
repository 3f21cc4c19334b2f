"""`zone_outages_scenarios`: take every node of a zone out for `duration`, then bring the
zone back. `cloud_type: local` stops the zone's kwok nodes; `gcp` stops the zone's
instances; `aws` swaps the subnets' network ACL to a deny-all one (Krkn's form) and swaps
it back, also on rollback (Krkn has no undo for it).

File format (Krkn's): top key `zone_outage:`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BeforeValidator, field_validator, model_validator

from undertow.errors import ScenarioError
from undertow.scenarios import providers
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult, SpecProblem
from undertow.scenarios.common.concurrency import fan_out
from undertow.scenarios.common.fields import OptionalText, Seconds, SpecModel
from undertow.scenarios.common.selectors import validate_value
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.providers.node_chaos import NodeChaos

if TYPE_CHECKING:
    from undertow.kube import KubeApi

POLL_SECONDS = 5.0
"""How often a cloud instance's state is read while waiting (Krkn's files have no poll_interval
for zones)."""


ZONE_LABEL = "topology.kubernetes.io/zone"


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class ZoneOutage(SpecModel):
    cloud_type: Annotated[Literal["local", "gcp", "aws", "azure", "az"], BeforeValidator(_lower)]
    """local (kwok nodes) and gcp stop the zone's nodes; aws swaps its subnets' network ACLs; azure
    is not implemented (refused). Case-insensitive."""
    duration: Seconds = 60
    """How long the zone stays out."""
    zone: OptionalText = ""
    """local/gcp: the zone whose nodes (labelled topology.kubernetes.io/zone=<zone>) go out."""
    timeout: Seconds = 180
    """How long the nodes may take to go down, and to come back."""
    kube_check: bool = True
    """Also wait on the nodes' Ready condition through the API."""
    vpc_id: OptionalText = ""
    """aws: the VPC in which undertow creates the deny-all ACL (or give default_acl_id)."""
    subnet_id: list[str] = []
    """aws: the subnets to cut off."""
    default_acl_id: OptionalText = ""
    """aws: a deny ACL of yours to use instead of creating one (never deleted)."""
    resource_group: OptionalText = ""
    """azure (not implemented): the resource group."""
    vnet_name: OptionalText = ""
    """azure (not implemented): the virtual network."""
    subnet_name: OptionalText = ""
    """azure (not implemented): the subnet."""
    location: OptionalText = ""
    """azure (not implemented): the region."""
    nsg_name_prefix: OptionalText = "chaos-zone-deny"
    """azure (not implemented): the prefix of the deny network security group's name."""

    @field_validator("zone")
    @classmethod
    def _zone_label(cls, value: str) -> str:
        return validate_value(value, ZONE_LABEL)

    @model_validator(mode="after")
    def _provider_fields(self) -> ZoneOutage:
        if self.cloud_type in ("local", "gcp") and not self.zone:
            raise ValueError(f"cloud_type {self.cloud_type} needs zone")
        if self.cloud_type == "aws":
            if not self.subnet_id:
                raise ValueError("cloud_type aws needs subnet_id (a list of subnet ids)")
            if not self.vpc_id and not self.default_acl_id:
                raise ValueError("cloud_type aws needs vpc_id, or default_acl_id")
        if self.cloud_type in ("azure", "az"):
            missing = [
                name
                for name in ("resource_group", "vnet_name", "subnet_name")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"cloud_type azure needs {', '.join(missing)}")
        return self


class ZoneOutageSpec(SpecModel):
    zone_outage: ZoneOutage
    """The outage: which zone, how, for how long."""


# --- the plugin ------------------------------------------------------------------------


def zone_nodes(api: KubeApi, zone: str) -> list[Obj]:
    nodes: list[Obj] = sorted(api.list_nodes(f"{ZONE_LABEL}={zone}"), key=name_of)
    if not nodes:
        raise ScenarioError(f"no node is labelled {ZONE_LABEL}={zone}")
    return nodes


def problems(outage: ZoneOutage) -> list[str]:
    """Why this outage's cloud_type cannot run with this install; no cluster needed."""
    if outage.cloud_type in ("azure", "az"):
        return [
            "zone_outage with cloud_type azure (subnet NSG swap) is not implemented in "
            "undertow; use cloud_type aws, gcp or local"
        ]
    if missing := providers.missing_sdk(outage.cloud_type):
        return [f"cloud_type {outage.cloud_type} needs {missing}"]
    return []


def check_runnable(outage: ZoneOutage) -> None:
    if found := problems(outage):
        raise ScenarioError("; ".join(found))


class ZoneOutagePlugin:
    scenario_type = "zone_outages_scenarios"
    summary = "Take every node of a zone out for a duration (local/gcp), or cut its subnets (aws)"
    spec_model = ZoneOutageSpec

    def preflight(self, spec: ZoneOutageSpec) -> list[SpecProblem]:
        return [
            SpecProblem(("zone_outage", "cloud_type"), why) for why in problems(spec.zone_outage)
        ]

    def plan(self, ctx: PlanContext, spec: ZoneOutageSpec) -> list[str]:
        outage = spec.zone_outage
        try:
            check_runnable(outage)
            if outage.cloud_type == "aws":
                deny = outage.default_acl_id or "a new deny-all ACL in " + outage.vpc_id
                return [
                    f"associate {deny} with subnets {', '.join(outage.subnet_id)} for "
                    f"{outage.duration:g}s, then restore their ACLs"
                    + ("" if outage.default_acl_id else " and delete the created ACL")
                ]
            names = [name_of(n) for n in zone_nodes(ctx.api, outage.zone)]
        except ScenarioError as exc:
            return [f"would fail: {exc}"]
        return [
            f"stop every node of zone {outage.zone} ({', '.join(names)}) via "
            f"{outage.cloud_type} for {outage.duration:g}s, then start them "
            f"(NotReady/Ready expected within {outage.timeout:g}s)",
            *ctx.refusals(f"zone {outage.zone}", field="zone_outage.zone", count=len(names)),
        ]

    def run(self, ctx: RunContext, spec: ZoneOutageSpec) -> ScenarioResult:
        outage = spec.zone_outage
        check_runnable(outage)
        if outage.cloud_type == "aws":
            return self._aws(ctx, outage)
        return self._nodes(ctx, outage)

    def _aws(self, ctx: RunContext, outage: ZoneOutage) -> ScenarioResult:
        from undertow.scenarios.providers import aws_acl

        started = ctx.clock.monotonic()
        change = aws_acl.cut_off(ctx.kube, outage.vpc_id, outage.subnet_id, outage.default_acl_id)
        subnets = list(outage.subnet_id)
        ctx.emit(
            "zone.down",
            f"subnets {', '.join(subnets)}{f' of {outage.vpc_id}' if outage.vpc_id else ''} "
            f"cut off by a deny-all network ACL; waiting {outage.duration:g}s",
            subnets=subnets,
        )
        cancelled = ctx.clock.sleep(outage.duration, ctx.cancel)
        ctx.kube.revert_or_fail(change, failure="the subnets' network ACLs could not be restored")
        held = ctx.clock.monotonic() - started
        ctx.emit(
            "zone.back",
            f"network ACLs of subnets {', '.join(subnets)} restored after {held:.1f}s",
            seconds=held,
        )
        summary = f"subnets {', '.join(subnets)} cut off for {held:.1f}s"
        if cancelled:
            summary += " (cancelled; ACLs restored)"
        return ScenarioResult(not cancelled, summary, subnets, {"outage_seconds": held})

    def _nodes(self, ctx: RunContext, outage: ZoneOutage) -> ScenarioResult:
        nodes = zone_nodes(ctx.kube.api, outage.zone)
        names = [name_of(n) for n in nodes]
        options = {"api": ctx.kube.api} if outage.cloud_type == "local" else {}
        chaos = NodeChaos(
            ctx,
            providers.provider_for(outage.cloud_type, options),
            outage.timeout,
            POLL_SECONDS,
            outage.kube_check,
        )
        instances = [chaos.instance(n) for n in nodes]
        ctx.selected(
            f"zone {outage.zone}: {', '.join(names)}", field="zone_outage.zone", nodes=names
        )
        problems: list[str] = []
        metrics: dict[str, float] = {"nodes": float(len(names))}
        started = ctx.clock.monotonic()
        try:
            stops = fan_out(
                instances, chaos.stop, workers=len(instances), per_second=0, cancel=ctx.cancel
            )
            problems += [f"stop {o.item}: {o.error}" for o in stops if o.error is not None]
            down = chaos.wait(names, "down")
            problems += [
                f"{n} not NotReady within {outage.timeout:g}s"
                for n in down.missing
                if not down.cancelled
            ]
            metrics["max_down_seconds"] = max((s or 0.0) for s in down.seconds.values())
            ctx.emit(
                "zone.down", f"zone {outage.zone} is down ({len(names)} nodes)", zone=outage.zone
            )
            ctx.clock.sleep(outage.duration, ctx.cancel)
        finally:
            restarted_at = ctx.clock.monotonic()
            problems += chaos.restore()
        metrics["outage_seconds"] = restarted_at - started
        metrics["back_seconds"] = ctx.clock.monotonic() - restarted_at
        if problems:
            summary = f"zone {outage.zone}: " + "; ".join(problems)
            ctx.emit("recovery.failed", summary, zone=outage.zone)
            return ScenarioResult(False, summary, names, metrics)
        if ctx.cancel.cancelled:
            return ScenarioResult(
                False, f"zone {outage.zone}: cancelled; nodes restored", names, metrics
            )
        summary = (
            f"zone {outage.zone}: {len(names)} node(s) out for {metrics['outage_seconds']:.1f}s, "
            f"all back within {metrics['back_seconds']:.1f}s"
        )
        ctx.emit("recovery.ok", summary, zone=outage.zone, seconds=metrics["back_seconds"])
        return ScenarioResult(True, summary, names, metrics)


plugin = ZoneOutagePlugin()
