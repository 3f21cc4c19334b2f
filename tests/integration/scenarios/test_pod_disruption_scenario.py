"""pod_disruption_scenarios on the local cluster: pods are deleted and come back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from scenario_harness import ScenarioHarness, cluster_state, ready_pods, wait_for
from scenario_workloads import apply, deployment

from undertow.kube import KubeApi
from undertow.scenarios.pod_disruption import plugin

KRKN = Path(__file__).parents[2] / "data" / "krkn" / "pod_disruption"


def kill(namespace: str, **config: Any) -> list[dict[str, Any]]:
    return [{"id": "kill-pods", "config": {"namespace_pattern": f"^{namespace}$", **config}}]


def test_kills_pods_and_measures_recovery(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    apply(api_client, namespace, deployment("web", 4), deployment("db", 2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 4)
    before_uids = {p["metadata"]["uid"] for p in ready_pods(kube_api, namespace, "app=web")}
    before = cluster_state(kube_api, [namespace])

    spec = kill(
        namespace, label_selector="app=web", kill=2, krkn_pod_recovery_time=60, execution="parallel"
    )
    plan = harness.plan(plugin, spec)
    assert plan[0].startswith("[0] delete 2 of 4 pods matching") and "60s" in plan[0]

    out = harness.run(plugin, spec)
    assert out.error is None and out.result is not None, out.error
    assert out.result.passed, out.result.summary
    assert len(out.result.targets) == 2
    assert {t.split("/")[0] for t in out.result.targets} == {namespace}
    assert out.result.metrics["killed"] == 2 and out.result.metrics["expected_ready"] == 4
    assert out.result.metrics["recovery_seconds"] >= 0
    assert out.kinds().count("pod.killed") == 2 and out.kinds().count("pod.recovered") == 2
    # Observed through the API: two of the original pods are gone, replaced by new ones.
    after_uids = {p["metadata"]["uid"] for p in ready_pods(kube_api, namespace, "app=web")}
    assert len(after_uids) == 4 and len(before_uids - after_uids) == 2
    assert len(ready_pods(kube_api, namespace, "app=db")) == 2  # untouched
    # Pod deletes are record-only: resolved and removed once the scenario passed.
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_name_pattern_exclude_label_and_not_enough_pods(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    apply(api_client, namespace, deployment("web", 3), deployment("keep", 1, {"chaos": "no"}))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 4)
    kept = ready_pods(kube_api, namespace, "app=keep")[0]["metadata"]["uid"]
    spec = kill(
        namespace, name_pattern=".*", exclude_label="chaos=no", kill=3, krkn_pod_recovery_time=60
    )
    out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out.result
    assert all(t.split("/")[1].startswith("web-") for t in out.result.targets)
    assert ready_pods(kube_api, namespace, "app=keep")[0]["metadata"]["uid"] == kept

    too_many = harness.run(plugin, kill(namespace, label_selector="app=keep", kill=2))
    assert too_many.result is not None and not too_many.result.passed
    assert "expected 2, found only 1" in too_many.result.summary
    assert "pod.killed" not in too_many.kinds()


def test_recovery_failure_is_reported_honestly(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    # A bare pod has no controller: nothing brings it back.
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "lonely", "labels": {"app": "lonely"}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "c", "image": "nginx"}],
        },
    }
    apply(api_client, namespace, pod)
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=lonely")) == 1)
    out = harness.run(plugin, kill(namespace, label_selector="app=lonely", timeout=3, force=True))
    assert out.result is not None and not out.result.passed
    assert "not recovered: 0 of 1" in out.result.summary
    assert "recovery.failed" in out.kinds()
    assert out.settle.complete


def test_krkn_pod_example_runs(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any
) -> None:
    """Krkn's scenarios/kube/pod.yml: kill one ^nginx-.*$ pod in default."""
    from kubernetes import client

    apps = client.AppsV1Api(api_client)
    apply(api_client, "default", deployment("nginx", 2))
    try:
        wait_for(lambda: len(ready_pods(kube_api, "default", "app=nginx")) == 2)
        data = yaml.safe_load((KRKN / "pod.yml").read_text())
        out = harness.run(plugin, data)
        assert out.result is not None and out.result.passed, out.result
        assert out.result.targets[0].startswith("default/nginx-")
    finally:
        apps.delete_namespaced_deployment("nginx", "default")
