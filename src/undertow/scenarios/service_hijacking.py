"""`service_hijacking_scenarios`: point a Service at a hijacker pod that answers with a
time-based plan of responses for `chaos_duration`, then restore the Service's selector and
remove the pod and its ConfigMap (Krkn leaks the ConfigMap).

File format (Krkn's): flat top-level keys.
"""

from __future__ import annotations

import json
import math
import secrets
from typing import Annotated, Any

from pydantic import Field, field_validator

from undertow.config.helper_pods import HelperPods
from undertow.errors import NotFound, ScenarioError
from undertow.hijacker import SCRIPT_NAME, server_source
from undertow.kube.refs import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.endpoints import serving_pods
from undertow.scenarios.common.fields import (
    NamespaceName,
    Seconds,
    ServiceName,
    SpecModel,
    undertow_only,
)
from undertow.scenarios.common.status import Obj, name_of, pod_is_ready
from undertow.scenarios.common.waiting import wait_until
from undertow.undo.labels import HIJACKER_LABEL

DEFAULT_IMAGE = "python:3.12-alpine"
"""Any image with `python3` runs undertow's stdlib-only hijacker (Krkn's image included)."""


class HijackStep(SpecModel):
    duration: Seconds | None = None
    """How long this step answers before the next one takes over; empty on the last step: until the
    end."""
    status: Annotated[int, Field(ge=100, le=599, strict=True)] = 200
    """The HTTP status code of the answer."""
    mime_type: str = "text/plain"
    """The answer's Content-Type (text/* and XML types get ; charset=utf-8, as Krkn's server
    does)."""
    payload: str = ""
    """The answer's body."""
    headers: Annotated[dict[str, str], undertow_only()] = {}
    """Extra response headers."""


class HijackResource(SpecModel):
    resource: Annotated[str, Field(pattern=r"^/")]
    """The path answered (it also answers <resource>/<one segment>); starts with /."""
    steps: dict[str, Annotated[list[HijackStep], Field(min_length=1)]]
    """For each HTTP method (upper case, e.g. GET), the answers in time order."""

    @field_validator("steps")
    @classmethod
    def _methods(cls, value: dict[str, list[HijackStep]]) -> dict[str, list[HijackStep]]:
        if not value:
            raise ValueError("at least one HTTP method with steps is required")
        for method in value:
            if not method.isascii() or not method.isalpha() or not method.isupper():
                raise ValueError(f"HTTP method {method!r} must be upper-case letters")
        return value


class ServiceHijackingSpec(SpecModel):
    service_name: ServiceName
    """The Service to hijack (it must exist and have a selector)."""
    service_namespace: NamespaceName
    """The Service's namespace."""
    service_target_port: (
        Annotated[int, Field(ge=1, le=65535, strict=True)]
        | Annotated[str, Field(min_length=1, max_length=15)]
    )
    """The Service's target port: a number, or a port name (then the hijacker listens on 5000 under
    that name)."""
    image: str = DEFAULT_IMAGE
    """The hijacker pod's image: any image with python3 (Krkn's image works too)."""
    chaos_duration: Seconds = 60
    """How long the Service points at the hijacker."""
    privileged: bool = True
    """The hijacker container's securityContext.privileged."""
    plan: Annotated[list[HijackResource], Field(min_length=1)]
    """What the hijacker answers, per path and method, each path at most once."""

    @field_validator("plan")
    @classmethod
    def _unique_resources(cls, value: list[HijackResource]) -> list[HijackResource]:
        seen = [r.resource for r in value]
        if len(set(seen)) != len(seen):
            raise ValueError("each resource may appear once in the plan")
        return value

    def plan_document(self) -> list[dict[str, object]]:
        """The plan as the hijacker server reads it (Krkn's shape, JSON-serialisable)."""
        return [r.model_dump(mode="json") for r in self.plan]


# --- the plugin ------------------------------------------------------------------------

MOUNT = "/undertow"
PLAN_FILE = "plan.json"
STATS_ROUTE = "/stats"
DEFAULT_PORT = 5000
"""Where the hijacker listens when `service_target_port` is a port name (as Krkn does)."""
READY_TIMEOUT = 180.0
"""Seconds the hijacker pod may take to become Ready (image pull on a real cluster)."""
ENDPOINTS_TIMEOUT = 15.0
"""Seconds to wait for the Service's EndpointSlices to list only the hijacker."""
EXPIRY_MARGIN = 600
"""The pod's activeDeadlineSeconds is chaos_duration plus this: it ends on its own even
if undertow and its journal are gone."""


def _port(spec: ServiceHijackingSpec) -> tuple[str, int]:
    """The hijacker's container port: the number asked for, or the name on port 5000."""
    target = spec.service_target_port
    if isinstance(target, int):
        return "hijacker", target
    return target, DEFAULT_PORT


def config_map(spec: ServiceHijackingSpec, name: str) -> dict[str, Any]:
    """The plan (as JSON) and the stdlib-only server script, mounted into the pod."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": spec.service_namespace},
        "data": {PLAN_FILE: json.dumps(spec.plan_document()), SCRIPT_NAME: server_source()},
    }


def hijacker_pod(
    spec: ServiceHijackingSpec, name: str, token: str, cm: str, helpers: HelperPods
) -> dict[str, Any]:
    """The hijacker pod; its image and placement go through the helper-pod settings."""
    port_name, port = _port(spec)
    container: dict[str, Any] = {
        "name": "hijacker",
        "image": helpers.image(spec.image),
        "command": ["python3", f"{MOUNT}/{SCRIPT_NAME}"],
        "env": [
            {"name": "TEST_PLAN_PATH", "value": f"{MOUNT}/{PLAN_FILE}"},
            {"name": "FLASK_RUN_PORT", "value": str(port)},
            {"name": "STATS_ROUTE", "value": STATS_ROUTE},
        ],
        "ports": [{"name": port_name, "containerPort": port}],
        "readinessProbe": {"httpGet": {"path": STATS_ROUTE, "port": port}, "periodSeconds": 2},
        "volumeMounts": [{"name": "hijacker", "mountPath": MOUNT, "readOnly": True}],
    }
    if spec.privileged:
        container["securityContext"] = {"privileged": True}
    return helpers.place(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": spec.service_namespace,
                "labels": {HIJACKER_LABEL: token},
            },
            "spec": {
                "activeDeadlineSeconds": math.ceil(spec.chaos_duration) + EXPIRY_MARGIN,
                "terminationGracePeriodSeconds": 5,
                "containers": [container],
                "volumes": [{"name": "hijacker", "configMap": {"name": cm}}],
            },
        }
    )


def _service_ref(spec: ServiceHijackingSpec) -> ObjectRef:
    return ObjectRef("v1", "Service", spec.service_name, spec.service_namespace)


def _targets_port(service: Obj, target: int | str) -> bool:
    """Does any port of the Service send traffic to `target` on its pods?"""
    for port in (service.get("spec") or {}).get("ports") or []:
        if port.get("targetPort", port.get("port")) == target:
            return True
    return False


class ServiceHijackingPlugin:
    scenario_type = "service_hijacking_scenarios"
    summary = "Point a Service at a pod answering from a plan for a duration, then restore it"
    spec_model = ServiceHijackingSpec

    def plan(self, ctx: PlanContext, spec: ServiceHijackingSpec) -> list[str]:
        where = f"{spec.service_namespace}/{spec.service_name}"
        try:
            service = ctx.api.get(_service_ref(spec))
        except NotFound:
            return [f"would fail: Service {where} does not exist"]
        selector = (service.get("spec") or {}).get("selector")
        port_name, port = _port(spec)
        lines = [
            f"create a ConfigMap (plan of {len(spec.plan)} resources + server) and a hijacker "
            f"pod ({spec.image}, port {port_name}:{port}) in {spec.service_namespace}",
            f"point Service {where} (selector {selector}) at the hijacker for "
            f"{spec.chaos_duration:g}s, then restore the selector and delete both",
        ]
        lines += ctx.refusals(
            f"Service {where}",
            field="service_namespace",
            count=1,
            namespaces=[spec.service_namespace],
        )
        if not selector:
            lines.append(f"would fail: Service {where} has no selector to hijack")
        elif not _targets_port(service, spec.service_target_port):
            lines.append(f"warning: no port of {where} targets {spec.service_target_port!r}")
        return lines

    def run(self, ctx: RunContext, spec: ServiceHijackingSpec) -> ScenarioResult:
        where = f"{spec.service_namespace}/{spec.service_name}"
        service = ctx.kube.api.get(_service_ref(spec))
        ctx.selected(f"Service {where} to hijack", field="service_namespace", services=[where])
        if not (service.get("spec") or {}).get("selector"):
            raise ScenarioError(f"Service {where} has no selector to hijack")
        if not _targets_port(service, spec.service_target_port):
            ctx.emit(
                "hijack.warning",
                f"no port of {where} targets {spec.service_target_port!r}",
            )
        before = serving_pods(ctx.kube.api, spec.service_namespace, spec.service_name)
        token = secrets.token_hex(4)
        cm = ctx.kube.create(config_map(spec, f"undertow-hijack-{token}"))
        pod = ctx.kube.create(
            hijacker_pod(spec, f"undertow-hijacker-{token}", token, name_of(cm), ctx.helpers)
        )
        pod_name = name_of(pod)
        pod_ref = ObjectRef.of(pod)
        ready = wait_until(
            lambda: pod_is_ready(ctx.kube.api.get(pod_ref)),
            timeout=READY_TIMEOUT,
            interval=0.5,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
        metrics: dict[str, float] = {"pod_ready_seconds": ready.elapsed}
        if not ready.done:
            reason = "cancelled" if ready.cancelled else f"not Ready after {READY_TIMEOUT:g}s"
            ctx.kube.revert_each([pod_ref, ObjectRef.of(cm)])
            return ScenarioResult(False, f"hijacker pod {pod_name} {reason}", [where], metrics)
        selector = ctx.kube.patch_fields(
            _service_ref(spec), {"/spec/selector": {HIJACKER_LABEL: token}}
        )
        started = ctx.clock.monotonic()
        ctx.emit(
            "hijack.started",
            f"patched Service {where} to select hijacker pod {pod_name} (was "
            f"{_selector_text(service)}); waiting {spec.chaos_duration:g}s",
            service=where,
            pod=pod_name,
            serving_before=sorted(before or []),
        )
        switched = wait_until(
            lambda: (
                serving_pods(ctx.kube.api, spec.service_namespace, spec.service_name) == {pod_name}
            ),
            timeout=min(ENDPOINTS_TIMEOUT, spec.chaos_duration),
            interval=0.2,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
        if switched.done:
            metrics["endpoints_switch_seconds"] = switched.elapsed
            ctx.emit(
                "hijack.endpoints",
                f"EndpointSlices of {where} list only {pod_name} after {switched.elapsed:.1f}s",
                seconds=switched.elapsed,
            )
        elif not switched.cancelled:
            ctx.emit(
                "hijack.warning",
                f"EndpointSlices of {where} did not list only {pod_name} within "
                f"{switched.elapsed:.1f}s (the cluster may not publish them)",
            )
        remaining = spec.chaos_duration - (ctx.clock.monotonic() - started)
        cancelled = switched.cancelled or ctx.clock.sleep(max(0.0, remaining), ctx.cancel)
        # the selector first (traffic returns), then the pod, the ConfigMap
        report = ctx.kube.revert_each([selector.ref, pod_ref, ObjectRef.of(cm)])
        held = ctx.clock.monotonic() - started
        metrics["hijack_seconds"] = held
        ctx.emit(
            "hijack.ended",
            f"restored the selector of Service {where} ({_selector_text(service)}) after "
            f"{held:.1f}s; deleted hijacker pod {pod_name}",
            seconds=held,
        )
        if not report.complete:
            failed = report.why_incomplete()
            return ScenarioResult(False, f"clean-up incomplete: {failed}", [where], metrics)
        if cancelled:
            return ScenarioResult(False, f"cancelled after {held:.1f}s", [where], metrics)
        return ScenarioResult(True, f"Service {where} hijacked for {held:.1f}s", [where], metrics)


def _selector_text(service: Obj) -> str:
    selector = (service.get("spec") or {}).get("selector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


plugin = ServiceHijackingPlugin()
