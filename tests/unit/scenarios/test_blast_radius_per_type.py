"""Every scenario type that selects targets checks the selection before its first change:
more than `max_targets` targets, or one in a protected namespace, is refused with the
scenario file and the field that chose them, and nothing is created, patched or deleted.

The cluster is a plain in-memory list of objects (reads only); the journaled client is a
stand-in that fails the test on any mutation. The dry-run plan of the same file says
`refused:` for the same reason.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest

from undertow.clock import CancelToken, SystemClock
from undertow.errors import NotFound, ScenarioError
from undertow.events import EventLog
from undertow.kube.refs import ObjectRef
from undertow.scenarios.application_outage import ApplicationOutagePlugin
from undertow.scenarios.base import PlanContext, RunContext, refused, would_fail
from undertow.scenarios.blast_radius import BlastRadius
from undertow.scenarios.containers.plugin import ContainerKillPlugin
from undertow.scenarios.hogs.plugin import HogPlugin
from undertow.scenarios.http_load.plugin import HttpLoadPlugin
from undertow.scenarios.network.legacy import NetworkChaosPlugin, PodNetworkPlugin
from undertow.scenarios.network.plugin import NetworkChaosNgPlugin
from undertow.scenarios.node_actions.plugin import NodeActionsPlugin
from undertow.scenarios.pod_disruption import PodDisruptionPlugin
from undertow.scenarios.pvc.plugin import PvcFillPlugin
from undertow.scenarios.service_disruption import ServiceDisruptionPlugin
from undertow.scenarios.service_hijacking import ServiceHijackingPlugin
from undertow.scenarios.storage_throttle.plugin import StorageThrottlePlugin
from undertow.scenarios.syn_flood.plugin import SynFloodPlugin
from undertow.scenarios.time_skew.plugin import TimeSkewPlugin
from undertow.scenarios.zone_outage import ZoneOutagePlugin

Obj = dict[str, Any]


def _matches(labels: dict[str, str], selector: str | None) -> bool:
    for term in filter(None, (selector or "").split(",")):
        key, _, value = term.partition("=")
        if key not in labels or (value and labels[key] != value):
            return False
    return True


class FakeApi:
    """Reads from a fixed list of objects; label selectors as `k=v,k2` only."""

    def __init__(self, objects: list[Obj]) -> None:
        self.objects = objects

    def iter(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Iterator[Obj]:
        name = (field_selector or "").removeprefix("metadata.name=")
        for obj in self.objects:
            meta = obj["metadata"]
            if obj["kind"] != kind or (namespace and meta.get("namespace") != namespace):
                continue
            if _matches(meta.get("labels") or {}, label_selector) and name in ("", meta["name"]):
                yield obj

    def list(self, *args: Any, **kwargs: Any) -> list[Obj]:
        return list(self.iter(*args, **kwargs))

    def list_pods(
        self, namespace: str | None = None, label_selector: str | None = None, **kw: Any
    ) -> list[Obj]:
        return self.list("v1", "Pod", namespace, label_selector, kw.get("field_selector"))

    def list_nodes(self, label_selector: str | None = None) -> list[Obj]:
        return self.list("v1", "Node", label_selector=label_selector)

    def list_namespaces(self, label_selector: str | None = None) -> list[Obj]:
        return self.list("v1", "Namespace", label_selector=label_selector)

    def get(self, ref: ObjectRef) -> Obj:
        for obj in self.objects:
            meta = obj["metadata"]
            cluster_wide = ref.kind in ("Node", "Namespace")
            same_namespace = cluster_wide or meta.get("namespace") == ref.namespace
            if obj["kind"] == ref.kind and meta["name"] == ref.name and same_namespace:
                return obj
        raise NotFound(f"{ref} not found")


class ReadOnlyKube:
    """The journaled client's place: reads go to `api`; any change fails the test."""

    def __init__(self, api: FakeApi, protected: frozenset[str]) -> None:
        self.api = api
        self.protected = protected

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the scenario called kube.{name} after a refused selection")


def _pod(namespace: str, name: str, labels: dict[str, str], node: str = "n1") -> Obj:
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels, "uid": name},
        "spec": {
            "nodeName": node,
            "containers": [
                {"name": "app", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0}],
        },
    }


def _node(name: str) -> Obj:
    return {
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"type": "worker", "topology.kubernetes.io/zone": "z1"},
        },
        "spec": {},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "192.0.2.10"}],
        },
    }


def _service(namespace: str, name: str) -> Obj:
    return {
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "web"}},
        "spec": {"clusterIP": "10.0.0.9", "selector": {"app": "web"}, "ports": [{"port": 80}]},
    }


def _namespace(name: str) -> Obj:
    return {"kind": "Namespace", "metadata": {"name": name, "labels": {"chaos": "yes"}}}


CLUSTER: list[Obj] = [
    *(_pod(ns, f"web-{i}", {"app": "web"}) for ns in ("shop", "kube-system") for i in range(3)),
    *(_node(f"n{i}") for i in range(1, 4)),
    *(_service(ns, "web") for ns in ("shop", "kube-system")),
    *(_namespace(ns) for ns in ("shop", "kube-system")),
    {"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "kube-system"}},
    {"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "shop"}},
]

MANY = "max_targets"
PROTECTED = "protected"

CASES: list[tuple[str, Any, Obj | list[Any], str, str]] = [
    (
        PROTECTED,
        PodDisruptionPlugin(),
        [
            {
                "id": "kill-pods",
                "config": {"namespace_pattern": "^kube-system$", "label_selector": "app=web"},
            }
        ],
        "[0].config",
        "pod_disruption_scenarios",
    ),
    (
        PROTECTED,
        ContainerKillPlugin(),
        {"scenarios": [{"namespace": "kube-system", "label_selector": "app=web", "action": 9}]},
        "scenarios[0]",
        "container_scenarios",
    ),
    (
        MANY,
        ContainerKillPlugin(),
        {"scenarios": [{"namespace": "shop", "label_selector": "app=web", "count": 3}]},
        "scenarios[0]",
        "container_scenarios",
    ),
    (
        MANY,
        HogPlugin(),
        {"hog-type": "cpu", "duration": 1, "node-selector": "type=worker"},
        "node-selector",
        "hog_scenarios",
    ),
    (
        MANY,
        NetworkChaosNgPlugin(),
        [
            {
                "id": "node_network_filter",
                "label_selector": "type=worker",
                "instance_count": 0,
                "test_duration": 1,
                "ports": [53],
            }
        ],
        "[0]",
        "network_chaos_ng_scenarios",
    ),
    (
        PROTECTED,
        NetworkChaosNgPlugin(),
        [
            {
                "id": "pod_network_filter",
                "namespace": "kube-system",
                "label_selector": "app=web",
                "test_duration": 1,
                "ports": [53],
            }
        ],
        "[0]",
        "network_chaos_ng_scenarios",
    ),
    (
        MANY,
        NetworkChaosPlugin(),
        {
            "network_chaos": {
                "duration": 1,
                "label_selector": "type=worker",
                "instance_count": 3,
                "egress": {"latency": "50ms"},
            }
        },
        "network_chaos",
        "network_chaos_scenarios",
    ),
    (
        PROTECTED,
        PodNetworkPlugin(),
        [
            {
                "id": "pod_network_outage",
                "config": {"namespace": "kube-system", "label_selector": "app=web"},
            }
        ],
        "[0].config",
        "pod_network_scenarios",
    ),
    (
        PROTECTED,
        PvcFillPlugin(),
        {"pvc_scenario": {"pvc_name": "data", "namespace": "kube-system", "duration": 1}},
        "pvc_scenario.namespace",
        "pvc_scenarios",
    ),
    (
        PROTECTED,
        StorageThrottlePlugin(),
        {"storage_throttle_scenario": {"pvc_name": "data", "namespace": "kube-system"}},
        "storage_throttle_scenario.namespace",
        "storage_throttle_scenarios",
    ),
    (
        MANY,
        TimeSkewPlugin(),
        {
            "time_scenarios": [
                {"action": "skew_time", "object_type": "node", "label_selector": "type=worker"}
            ]
        },
        "time_scenarios[0]",
        "time_scenarios",
    ),
    (
        PROTECTED,
        ApplicationOutagePlugin(),
        {"application_outage": {"namespace": "kube-system", "duration": 1}},
        "application_outage.namespace",
        "application_outages_scenarios",
    ),
    (
        PROTECTED,
        ServiceHijackingPlugin(),
        {
            "service_name": "web",
            "service_namespace": "kube-system",
            "service_target_port": 80,
            "plan": [{"resource": "/", "steps": {"GET": [{"status": 500}]}}],
        },
        "service_namespace",
        "service_hijacking_scenarios",
    ),
    (
        PROTECTED,
        SynFloodPlugin(),
        {"namespace": "kube-system", "target-service": "web", "target-port": 80, "duration": 1},
        "target-service",
        "syn_flood_scenarios",
    ),
    (
        PROTECTED,
        HttpLoadPlugin(),
        [
            {
                "http_load_scenario": {
                    "targets": {
                        "endpoints": [{"url": "http://web.kube-system.svc/", "method": "GET"}]
                    }
                }
            }
        ],
        "[0].http_load_scenario.targets.endpoints",
        "http_load_scenarios",
    ),
    (
        MANY,
        NodeActionsPlugin(),
        {
            "node_scenarios": [
                {
                    "actions": ["node_cordon_scenario"],
                    "label_selector": "type=worker",
                    "instance_count": 0,
                    "cloud_type": "local",
                }
            ]
        },
        "node_scenarios[0]",
        "node_scenarios",
    ),
    (
        MANY,
        ZoneOutagePlugin(),
        {"zone_outage": {"cloud_type": "local", "zone": "z1", "duration": 1}},
        "zone_outage.zone",
        "zone_outages_scenarios",
    ),
    (
        PROTECTED,
        ServiceDisruptionPlugin(),
        {"scenarios": [{"namespace": "^kube-system$"}]},
        "scenarios[0]",
        "service_disruption_scenarios",
    ),
]

_IDS = [f"{case[4]}-{case[0]}" for case in CASES]


def _limits(why: str) -> BlastRadius:
    return BlastRadius(1 if why == MANY else None, frozenset({"kube-system"}))


@pytest.mark.parametrize(("why", "plugin", "data", "field", "scenario_type"), CASES, ids=_IDS)
def test_a_refused_selection_changes_nothing(
    why: str, plugin: Any, data: Any, field: str, scenario_type: str
) -> None:
    limits = _limits(why)
    api = FakeApi(CLUSTER)
    events = EventLog()
    ctx = RunContext(
        scenario_type=scenario_type,
        scenario_file="s.yaml",
        kube=ReadOnlyKube(api, limits.protected),  # type: ignore[arg-type]
        clock=SystemClock(),
        cancel=CancelToken(),
        events=events,
        log=logging.getLogger("test"),
        max_targets=limits.max_targets,
    )
    spec = plugin.spec_model.model_validate(data)
    expected = (
        "more than max_targets 1" if why == MANY else "reaches the protected namespace kube-system"
    )
    with pytest.raises(ScenarioError, match=r"refused: s\.yaml at (.*?): ") as raised:
        plugin.run(ctx, spec)
    assert f"refused: s.yaml at {field}: " in str(raised.value)
    assert expected in str(raised.value)
    assert "targets.selected" not in [e.kind for e in events.events]


@pytest.mark.parametrize(("why", "plugin", "data", "field", "scenario_type"), CASES, ids=_IDS)
def test_the_plan_says_refused_for_the_same_reason(
    why: str, plugin: Any, data: Any, field: str, scenario_type: str
) -> None:
    ctx = PlanContext(
        api=FakeApi(CLUSTER),  # type: ignore[arg-type]
        scenario_type=scenario_type,
        scenario_file="s.yaml",
        log=logging.getLogger("test"),
        limits=_limits(why),
    )
    plan = plugin.plan(ctx, plugin.spec_model.model_validate(data))
    lines = refused(plan)
    assert lines, plan
    assert f"at {field}: " in lines[0]
    assert would_fail(plan)


def test_a_plan_within_the_limits_refuses_nothing() -> None:
    ctx = PlanContext(
        api=FakeApi(CLUSTER),  # type: ignore[arg-type]
        scenario_type="pod_disruption_scenarios",
        scenario_file="s.yaml",
        log=logging.getLogger("test"),
        limits=BlastRadius(3, frozenset({"kube-system"})),
    )
    config = {"namespace_pattern": "^shop$", "label_selector": "app=web", "kill": 3}
    spec = [{"id": "kill-pods", "config": config}]
    plugin = PodDisruptionPlugin(random.Random(1))
    plan = plugin.plan(ctx, plugin.spec_model.model_validate(spec))
    assert not would_fail(plan), plan


@pytest.mark.parametrize("seed", range(5))
def test_a_draw_from_a_pattern_matching_a_protected_namespace_is_refused_whatever_it_picks(
    seed: int,
) -> None:
    """`kill: 1` of the pods of shop and kube-system: refused even when the pod drawn is
    shop's, as the plan says, so the run does not depend on the draw."""
    api = FakeApi(CLUSTER)
    ctx = RunContext(
        scenario_type="pod_disruption_scenarios",
        scenario_file="s.yaml",
        kube=ReadOnlyKube(api, frozenset({"kube-system"})),  # type: ignore[arg-type]
        clock=SystemClock(),
        cancel=CancelToken(),
        events=EventLog(),
        log=logging.getLogger("test"),
    )
    plugin = PodDisruptionPlugin(random.Random(seed))
    config = {"namespace_pattern": "^(shop|kube-system)$", "label_selector": "app=web"}
    spec = plugin.spec_model.model_validate([{"id": "kill-pods", "config": config}])
    with pytest.raises(ScenarioError, match=r"reaches the protected namespace kube-system"):
        plugin.run(ctx, spec)
