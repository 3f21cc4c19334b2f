"""service_disruption_scenarios on the local cluster: workloads (or whole namespaces) are
deleted, their return is measured, and `restore: true` puts back exactly what was there."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from scenario_harness import ScenarioHarness, cancel_when, cluster_state, ready_pods, wait_for
from scenario_workloads import apply, deployment, service

from undertow.clock import CancelToken
from undertow.kube import KubeApi, ObjectRef
from undertow.scenarios.service_disruption import plugin

KRKN = Path(__file__).parents[2] / "data" / "krkn" / "service_disruption"


def _workload(api_client: Any, kube_api: KubeApi, namespace: str) -> list[dict[str, Any]]:
    objects = [deployment("web", 2), service("web", {"app": "web"}), deployment("db", 1)]
    apply(api_client, namespace, *objects)
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 3)
    return objects


def _names(kube_api: KubeApi, namespace: str) -> dict[str, set[str]]:
    return {
        "deployments": {
            d["metadata"]["name"] for d in kube_api.list("apps/v1", "Deployment", namespace)
        },
        "services": {s["metadata"]["name"] for s in kube_api.list("v1", "Service", namespace)},
    }


def entry(namespace: str, **fields: Any) -> dict[str, Any]:
    return {"scenarios": [{"namespace": f"^{namespace}$", "sleep": 0, **fields}]}


def test_bare_cluster_nothing_comes_back_a_finding_as_krkn_passes(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    _workload(api_client, kube_api, namespace)
    spec = entry(namespace, wait_time=3)
    plan = harness.plan(plugin, spec)
    assert "pick 1 of 1 namespaces" in plan[0] and "record only" in plan[0]
    assert "Service/web" in plan[1] and "Deployment/db" in plan[1]
    out = harness.run(plugin, spec)
    assert out.error is None and out.result is not None, out.error
    # Krkn never checks wait_time and passes: undertow passes too, with a finding.
    assert out.result.passed
    [finding] = out.result.findings
    assert f"{namespace} not back within wait_time 3s" in finding and "Deployment/web" in finding
    assert "(finding)" in out.result.summary
    assert out.result.metrics["objects_deleted"] == 3
    assert "recovery.failed" in out.kinds()
    # Observed through the API: the workloads are gone; nothing is left pending.
    assert _names(kube_api, namespace) == {"deployments": set(), "services": set()}
    assert out.pending_files() == []


def test_recovery_by_the_system_is_measured(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    objects = _workload(api_client, kube_api, namespace)
    before = _names(kube_api, namespace)
    stop = threading.Event()

    def gitops() -> None:
        """Re-apply the manifests whenever they are missing, as a GitOps controller would."""
        while not stop.wait(0.5):
            if not kube_api.list("apps/v1", "Deployment", namespace):
                stop.wait(1.0)
                apply(api_client, namespace, *objects)

    syncer = threading.Thread(target=gitops)
    syncer.start()
    try:
        out = harness.run(plugin, entry(namespace, wait_time=60))
    finally:
        stop.set()
        syncer.join()
    assert out.result is not None and out.result.passed, out.result or out.error
    assert out.result.metrics["max_recovery_seconds"] >= 1
    assert "recovery.ok" in out.kinds()
    assert "restored_by_undertow" not in out.result.metrics
    assert _names(kube_api, namespace) == before
    assert out.settle.complete and out.pending_files() == []


def test_restore_recreates_the_deleted_objects(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    _workload(api_client, kube_api, namespace)
    before = cluster_state(kube_api, [namespace])
    old_uids = {d["metadata"]["uid"] for d in kube_api.list("apps/v1", "Deployment", namespace)}
    out = harness.run(plugin, entry(namespace, wait_time=2, restore=True))
    assert out.result is not None and out.result.passed, out.result or out.error
    assert "restored from snapshots" in out.result.summary
    assert out.result.metrics["restored_by_undertow"] == 1
    [restored] = [e for e in out.events if e.kind == "namespace.restored"]
    # "ready N s later" counts from the start of the recreation: the pods cannot have been
    # Ready before the objects were back, so it is at least as long as the recreation took.
    ready_after = out.result.metrics["max_ready_after_restore_seconds"]
    assert ready_after >= restored.data["seconds"] > 0
    assert f"ready {ready_after:.2f}s after undertow began recreating them" in out.result.summary
    # honest: the system itself did not bring them back, and with restore on that is said
    # without calling the scenario failed
    assert "recovery.not_by_system" in out.kinds()
    assert "recovery.failed" not in out.kinds()
    new_uids = {d["metadata"]["uid"] for d in kube_api.list("apps/v1", "Deployment", namespace)}
    assert new_uids and not new_uids & old_uids  # really deleted, then recreated
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 3)
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


@pytest.fixture
def labelled_namespace(api_client: Any, kube_api: KubeApi) -> Iterator[str]:
    """A namespace picked by label, with config a workload needs; removed afterwards."""
    from kubernetes import client

    name = f"t-sd-{uuid.uuid4().hex[:6]}"
    core = client.CoreV1Api(api_client)
    labels = {"undertow.io/test": "true", "chaos": name}
    core.create_namespace({"metadata": {"name": name, "labels": labels}})
    try:
        yield name
    finally:
        core.delete_namespace(name)


def test_namespace_deletion_with_restore_brings_back_the_namespace(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, labelled_namespace: str
) -> None:
    ns = labelled_namespace
    _workload(api_client, kube_api, ns)
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings"},
        "data": {"a": "1"},
    }
    apply(api_client, ns, config)
    old = kube_api.get(ObjectRef("v1", "Namespace", ns))
    before = cluster_state(kube_api, [ns])
    spec = {
        "scenarios": [
            {
                "label_selector": f"chaos={ns}",
                "delete": "namespace",
                "restore": True,
                "wait_time": 2,
            }
        ]
    }
    assert "the namespace itself" in harness.plan(plugin, spec)[0]
    out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out.result or out.error
    new = kube_api.get(ObjectRef("v1", "Namespace", ns))
    assert new["metadata"]["uid"] != old["metadata"]["uid"]
    assert new["metadata"]["labels"] == old["metadata"]["labels"]
    assert kube_api.get(ObjectRef("v1", "ConfigMap", "settings", ns))["data"] == {"a": "1"}
    wait_for(lambda: len(ready_pods(kube_api, ns, "")) == 3)
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [ns]) == before


def test_cancel_part_way_still_restores(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    _workload(api_client, kube_api, namespace)
    before = cluster_state(kube_api, [namespace])
    token = CancelToken()

    cancel_once_deleted = cancel_when(
        token, lambda: not kube_api.list("apps/v1", "Deployment", namespace), timeout=30
    )
    spec = entry(namespace, wait_time=300, restore=True)
    out = harness.run(plugin, spec, cancel=token, on_start=cancel_once_deleted)
    assert out.result is not None and not out.result.passed
    assert "cancelled" in out.result.summary
    assert out.settle.complete and out.pending_files() == []
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 3)
    assert cluster_state(kube_api, [namespace]) == before


def test_krkn_example_files_validate_and_run(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    for path in sorted(KRKN.glob("*.yaml")):
        plugin.spec_model.model_validate(yaml.safe_load(path.read_text()))
    _workload(api_client, kube_api, namespace)
    spec = yaml.safe_load((KRKN / "ingress_namespace.yaml").read_text())
    spec["scenarios"][0].update(namespace=f"^{namespace}$", sleep=0, wait_time=2)
    out = harness.run(plugin, spec)
    assert out.result is not None and out.result.targets == [namespace]
    assert out.result.metrics["objects_deleted"] == 3  # deleted, as Krkn does
    # Nothing brings them back on a bare cluster: Krkn passes, undertow says so (a finding).
    assert out.result.passed and len(out.result.findings) == 1

    legacy = yaml.safe_load((KRKN / "ingress_namespace_legacy.yaml").read_text())
    legacy["scenarios"][0].update(namespace=f"^{namespace}-nope$")
    out = harness.run(plugin, legacy)
    assert out.result is not None and not out.result.passed
    assert "expected 1, found only 0" in out.result.summary
