"""Pure parts of the service scenarios: recovery rules, object choice, endpoints, manifests."""

from __future__ import annotations

import json
from typing import Any

from undertow.config.helper_pods import HelperPods
from undertow.hijacker import server_source
from undertow.scenarios.common.endpoints import ready_pod_names
from undertow.scenarios.common.namespace_recovery import NamespaceRecovery
from undertow.scenarios.common.workloads import top_level
from undertow.scenarios.service_hijacking import (
    ServiceHijackingSpec,
    config_map,
    hijacker_pod,
)


def obj(kind: str, name: str, uid: str = "", **extra: Any) -> dict[str, Any]:
    meta = {"name": name, "uid": uid or f"{name}-uid", **extra.pop("meta", {})}
    return {"kind": kind, "metadata": meta, **extra}


def pod(name: str, ready: bool = True) -> dict[str, Any]:
    status = {"phase": "Running", "conditions": [{"type": "Ready", "status": str(ready)}]}
    return obj("Pod", name, status=status)


def test_objects_must_come_back_as_new_objects_with_as_many_ready_pods() -> None:
    web = obj("Deployment", "web", "u1")
    tracker = NamespaceRecovery.before(
        "shop", [web], [pod("a"), pod("b"), pod("c", ready=False)], namespace_uid=None, at=10.0
    )
    ns = obj("Namespace", "shop")
    assert tracker.ready_before == 2
    assert not tracker.observe(ns, [], [], 11.0)
    assert tracker.shortfall() == "missing Deployment/web; 0 of 2 pods Running+Ready"
    assert not tracker.observe(ns, [web], [pod("a"), pod("b")], 12.0)  # the old object: not back
    assert not tracker.observe(ns, [obj("Deployment", "web", "u2")], [pod("x")], 13.0)
    assert tracker.observe(ns, [obj("Deployment", "web", "u2")], [pod("x"), pod("y")], 14.5)
    assert tracker.seconds == 4.5
    assert tracker.observe(None, [], [], 20.0)  # once recovered, stays recovered


def test_a_deleted_namespace_must_come_back_as_a_new_active_namespace() -> None:
    tracker = NamespaceRecovery.before("shop", [], [], namespace_uid="old", at=0.0)
    terminating = obj("Namespace", "shop", "old", meta={"deletionTimestamp": "now"})
    assert not tracker.observe(terminating, [], [], 1.0)
    assert tracker.missing == ["Namespace/shop"]
    assert not tracker.observe(obj("Namespace", "shop", "old"), [], [], 2.0)
    assert tracker.observe(obj("Namespace", "shop", "new"), [], [], 3.0)


def test_only_top_level_objects_not_made_by_the_control_plane_are_taken() -> None:
    owned = obj("ReplicaSet", "web-1", meta={"ownerReferences": [{"uid": "d", "controller": True}]})
    found = top_level(
        [
            obj("ReplicaSet", "bare"),
            owned,
            obj("Deployment", "gone", meta={"deletionTimestamp": "now"}),
            obj("ServiceAccount", "default"),
            obj("ServiceAccount", "app"),
            obj("ConfigMap", "kube-root-ca.crt"),
            obj("Secret", "token", type="kubernetes.io/service-account-token"),
            obj("Secret", "creds", type="Opaque"),
        ]
    )
    assert [f"{o['kind']}/{o['metadata']['name']}" for o in found] == [
        "ReplicaSet/bare",
        "ServiceAccount/app",
        "Secret/creds",
    ]


def test_ready_endpoints_are_pods_not_marked_unready() -> None:
    slices = [
        {
            "endpoints": [
                {"targetRef": {"kind": "Pod", "name": "a"}, "conditions": {"ready": True}},
                {"targetRef": {"kind": "Pod", "name": "b"}, "conditions": {"ready": False}},
                {"targetRef": {"kind": "Pod", "name": "c"}},
            ]
        },
        {"endpoints": None},
    ]
    assert ready_pod_names(slices) == {"a", "c"}


SPEC = {
    "service_name": "web",
    "service_namespace": "shop",
    "service_target_port": 8080,
    "chaos_duration": 30.5,
    "privileged": False,
    "plan": [{"resource": "/", "steps": {"GET": [{"status": 503, "payload": "down"}]}}],
}


def test_hijacker_manifests_carry_the_plan_server_port_and_expiry() -> None:
    spec = ServiceHijackingSpec.model_validate(SPEC)
    cm = config_map(spec, "cm")
    assert json.loads(cm["data"]["plan.json"])[0]["steps"]["GET"][0]["status"] == 503
    assert cm["data"]["server.py"] == server_source()
    manifest = hijacker_pod(spec, "p", "tok", "cm", HelperPods())
    container = manifest["spec"]["containers"][0]
    assert manifest["metadata"]["labels"] == {"undertow.io/hijacker": "tok"}
    assert container["ports"] == [{"name": "hijacker", "containerPort": 8080}]
    assert {"name": "FLASK_RUN_PORT", "value": "8080"} in container["env"]
    assert "securityContext" not in container
    assert manifest["spec"]["activeDeadlineSeconds"] == 31 + 600
    assert manifest["spec"]["volumes"] == [{"name": "hijacker", "configMap": {"name": "cm"}}]
    named = ServiceHijackingSpec.model_validate(
        {**SPEC, "service_target_port": "http", "privileged": True}
    )
    container = hijacker_pod(named, "p", "tok", "cm", HelperPods())["spec"]["containers"][0]
    assert container["ports"] == [{"name": "http", "containerPort": 5000}]
    assert container["securityContext"] == {"privileged": True}


def test_the_hijacker_image_and_placement_follow_the_helper_pod_settings() -> None:
    spec = ServiceHijackingSpec.model_validate(SPEC)
    helpers = HelperPods(
        images={"python": "local/python:1"},
        node_selector={"undertow.io/real-node": "true"},
        tolerations=({"key": "undertow.io/real-node", "operator": "Exists"},),
    )
    manifest = hijacker_pod(spec, "p", "tok", "cm", helpers)
    assert spec.image == "python:3.12-alpine"
    assert manifest["spec"]["containers"][0]["image"] == "local/python:1"
    assert manifest["spec"]["nodeSelector"] == {"undertow.io/real-node": "true"}
    assert manifest["spec"]["tolerations"] == [
        {"key": "undertow.io/real-node", "operator": "Exists"}
    ]
