"""service_hijacking_scenarios on the local cluster: the Service selects the hijacker pod for
`chaos_duration`, then its selector, pods and ConfigMaps are exactly as before."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import yaml
from scenario_harness import ScenarioHarness, cancel_when, cluster_state, ready_pods, wait_for
from scenario_workloads import apply, deployment, service

from undertow.clock import CancelToken
from undertow.hijacker import server_source
from undertow.kube import KubeApi
from undertow.scenarios.common.endpoints import serving_pods
from undertow.scenarios.service_hijacking import plugin
from undertow.undo.labels import HIJACKER_LABEL

KRKN = Path(__file__).parents[2] / "data" / "krkn" / "service_hijacking" / "service_hijacking.yaml"
PLAN = [{"resource": "/", "steps": {"GET": [{"duration": 2, "status": 503, "payload": "down"}]}}]


def _web(api_client: Any, kube_api: KubeApi, namespace: str, port: str = "http") -> set[str]:
    """A 2-replica Deployment behind Service `web`; returns the pods it serves."""
    apply(api_client, namespace, deployment("web", 2), service("web", {"app": "web"}, port))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 2)
    names = {p["metadata"]["name"] for p in ready_pods(kube_api, namespace, "app=web")}
    wait_for(lambda: serving_pods(kube_api, namespace, "web") == names)
    return names


def _watch(kube_api: KubeApi, namespace: str, seen: dict[str, Any], stop: threading.Event) -> None:
    """Record what the hijack looks like through the API while it lasts."""
    while not stop.is_set():
        selector = kube_api.list("v1", "Service", namespace)[0]["spec"]["selector"]
        if HIJACKER_LABEL in selector:
            seen["selector"] = selector
            pods = kube_api.list_pods(namespace, f"{HIJACKER_LABEL}={selector[HIJACKER_LABEL]}")
            if pods:
                seen["pod"] = pods[0]
            maps = [
                c
                for c in kube_api.list("v1", "ConfigMap", namespace)
                if c["metadata"]["name"].startswith("undertow-hijack-")
            ]
            if maps:
                seen["config_map"] = maps[0]
            serving = serving_pods(kube_api, namespace, "web")
            if pods and serving == {pods[0]["metadata"]["name"]}:
                seen["endpoints"] = serving
        stop.wait(0.1)


def _run_watched(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str, spec: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    seen: dict[str, Any] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(kube_api, namespace, seen, stop))
    watcher.start()
    try:
        out = harness.run(plugin, spec)
    finally:
        stop.set()
        watcher.join()
    return out, seen


def test_service_serves_the_hijacker_for_the_duration_then_everything_is_back(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    web_pods = _web(api_client, kube_api, namespace)
    before = cluster_state(kube_api, [namespace])
    spec = {
        "service_name": "web",
        "service_namespace": namespace,
        "service_target_port": "http",
        "chaos_duration": 3,
        "privileged": False,
        "plan": PLAN,
    }
    plan = harness.plan(plugin, spec)
    assert "python:3.12-alpine" in plan[0] and "port http:5000" in plan[0]
    assert "{'app': 'web'}" in plan[1] and "for 3s" in plan[1]

    out, seen = _run_watched(harness, kube_api, namespace, spec)

    assert out.error is None and out.result is not None, out.error
    assert out.result.passed, out.result.summary
    assert out.result.metrics["hijack_seconds"] >= 3  # held for its duration
    # Observed through the API during the chaos: selector, pod, ConfigMap, endpoints.
    token = seen["selector"][HIJACKER_LABEL]
    assert seen["selector"] == {HIJACKER_LABEL: token}
    pod = seen["pod"]
    container = pod["spec"]["containers"][0]
    assert container["image"] == "python:3.12-alpine"
    assert container["command"] == ["python3", "/undertow/server.py"]
    assert container["ports"] == [{"name": "http", "containerPort": 5000, "protocol": "TCP"}]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env == {
        "TEST_PLAN_PATH": "/undertow/plan.json",
        "FLASK_RUN_PORT": "5000",
        "STATS_ROUTE": "/stats",
    }
    assert "securityContext" not in container or not container["securityContext"].get("privileged")
    assert pod["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "undertow"
    assert pod["spec"]["activeDeadlineSeconds"] == 3 + 600
    data = seen["config_map"]["data"]
    assert json.loads(data["plan.json"]) == out_plan(spec)
    assert data["server.py"] == server_source()
    assert seen["endpoints"] == {pod["metadata"]["name"]}
    assert "hijack.endpoints" in out.kinds()
    assert [k for k in out.kinds() if k in ("hijack.started", "hijack.ended")] == [
        "hijack.started",
        "hijack.ended",
    ]
    # Afterwards: selector, pods, ConfigMaps as before; traffic back on the web pods.
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before
    assert kube_api.list_pods(namespace, HIJACKER_LABEL) == []
    wait_for(lambda: serving_pods(kube_api, namespace, "web") == web_pods)


def out_plan(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return list(plugin.spec_model.model_validate(spec).plan_document())


def test_krkn_example_file_runs_with_a_numeric_port_and_privileged_pod(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    apply(api_client, namespace, deployment("nginx", 1), service("nginx-service", {"app": "nginx"}))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=nginx")) == 1)
    before = cluster_state(kube_api, [namespace])
    spec = yaml.safe_load(KRKN.read_text())
    assert plugin.spec_model.model_validate(spec)  # validates unchanged
    spec.update(service_namespace=namespace, chaos_duration=2, service_target_port=8080)
    seen: dict[str, Any] = {}

    def remember(_ctx: Any) -> None:
        def later() -> None:
            pods = wait_for(lambda: kube_api.list_pods(namespace, HIJACKER_LABEL), timeout=20)
            seen["pod"] = pods[0]

        threading.Thread(target=later, daemon=True).start()

    out = harness.run(plugin, spec, on_start=remember)
    assert out.result is not None and out.result.passed, out.result or out.error
    container = seen["pod"]["spec"]["containers"][0]
    assert container["image"] == "quay.io/krkn-chaos/krkn-service-hijacking:v0.1.3"
    assert container["ports"][0]["containerPort"] == 8080
    assert container["securityContext"] == {"privileged": True}
    # The port is not one the Service targets: said, not fatal.
    assert "hijack.warning" in out.kinds()
    assert cluster_state(kube_api, [namespace]) == before


def test_cancel_mid_duration_restores_the_selector_and_removes_the_hijacker(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    _web(api_client, kube_api, namespace)
    before = cluster_state(kube_api, [namespace])
    token = CancelToken()
    spec = {
        "service_name": "web",
        "service_namespace": namespace,
        "service_target_port": "http",
        "chaos_duration": 120,
        "plan": PLAN,
    }

    cancel_once_hijacked = cancel_when(
        token,
        lambda: HIJACKER_LABEL in kube_api.list("v1", "Service", namespace)[0]["spec"]["selector"],
        timeout=30,
        interval=0.1,
    )
    out = harness.run(plugin, spec, cancel=token, on_start=cancel_once_hijacked)
    assert out.result is not None and not out.result.passed
    assert "cancelled" in out.result.summary
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_missing_service_or_selector_fails_before_creating_anything(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    spec = {
        "service_name": "nope",
        "service_namespace": namespace,
        "service_target_port": 80,
        "plan": PLAN,
    }
    assert harness.plan(plugin, spec) == [f"would fail: Service {namespace}/nope does not exist"]
    out = harness.run(plugin, spec)
    assert out.result is None and out.error is not None and "nope" in str(out.error)
    headless = service("bare", {})
    del headless["spec"]["selector"]
    apply(api_client, namespace, headless)
    out = harness.run(plugin, {**spec, "service_name": "bare"})
    assert out.error is not None and "no selector" in str(out.error)
    assert (
        kube_api.list(
            "v1", "ConfigMap", namespace, label_selector="app.kubernetes.io/managed-by=undertow"
        )
        == []
    )
    assert out.pending_files() == []
