"""undertow's kubernetes_checks against the local control plane: a Deployment whose pods run
(on kwok nodes) is healthy, one whose pods cannot be scheduled is not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from judged_runs import leftovers, run_undertow, sleep_config

from undertow.config.judging import KubernetesCheck
from undertow.health.kube_checks import KubeProbe
from undertow.kube import KubeApi, connect


def _deployment(name: str, *, schedulable: bool) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {
        "terminationGracePeriodSeconds": 0,
        "containers": [{"name": "web", "image": "nginx:1.27"}],
    }
    if not schedulable:
        pod_spec["nodeSelector"] = {"undertow.io/no-such-node": "true"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec},
        },
    }


@pytest.fixture
def workloads(api_client: Any, namespace: str, kubeconfig: str) -> Iterator[KubeApi]:
    """`ready` (1/1 ready) and `stuck` (its pod pending) in the namespace; a KubeApi."""
    from kubernetes import client

    apps = client.AppsV1Api(api_client)
    for name, schedulable in (("ready", True), ("stuck", False)):
        apps.create_namespaced_deployment(namespace, _deployment(name, schedulable=schedulable))
    deadline = time.monotonic() + 60
    while (apps.read_namespaced_deployment("ready", namespace).status.ready_replicas or 0) < 1:
        assert time.monotonic() < deadline, "deployment `ready` never became ready"
        time.sleep(0.3)
    while (
        not client.CoreV1Api(api_client)
        .list_namespaced_pod(namespace, label_selector="app=stuck")
        .items
    ):
        assert time.monotonic() < deadline, "deployment `stuck` never created its pod"
        time.sleep(0.3)
    api = connect(Path(kubeconfig))
    yield api
    api.close()


def _probe(api: KubeApi, **check: Any) -> tuple[bool, str]:
    return KubeProbe(KubernetesCheck.model_validate(check), api).probe()


def test_probes_read_readiness_from_the_cluster(workloads: KubeApi, namespace: str) -> None:
    assert _probe(workloads, deployment=f"{namespace}/ready") == (True, "1/1 replicas ready")
    assert _probe(workloads, deployment=f"{namespace}/stuck") == (False, "0/1 replicas ready")
    assert _probe(workloads, deployment=f"{namespace}/absent") == (False, "not found")
    ready = {"namespace": namespace, "label_selector": "app=ready"}
    stuck = {"namespace": namespace, "label_selector": "app=stuck"}
    nothing = {"namespace": namespace, "label_selector": "app=absent"}
    assert _probe(workloads, pods_ready=ready) == (True, "1/1 pods ready")
    assert _probe(workloads, pods_ready=stuck) == (False, "0/1 pods ready")
    assert _probe(workloads, pods_ready=nothing) == (False, "0/0 pods ready")


def test_an_unready_deployment_with_exit_on_failure_fails_the_run_after_rollback(
    workloads: KubeApi, tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:

    extra = (
        "health_checks:\n  interval: 0.3\n  recovery_timeout: 1\n  kubernetes_checks:\n"
        f"    - deployment: {namespace}/stuck\n      exit_on_failure: true\n"
        f"    - pods_ready: {{namespace: {namespace}, label_selector: app=ready}}\n"
    )
    config = sleep_config(tmp_path, namespace, extra, krkn=False)
    done = run_undertow(config, tmp_path, kubeconfig)
    assert done.code == 1, done.output
    scenario = done.report["scenarios"][0]
    stuck, ready = scenario["health"]
    assert stuck["target"] == f"deployment {namespace}/stuck"
    assert (stuck["first_failure_detail"], stuck["recovered"]) == ("0/1 replicas ready", False)
    assert (ready["failed_samples"], ready["downtime"]) == (0, 0)
    assert "health check deployment" in scenario["error"]
    assert leftovers(api_client, namespace, tmp_path) == []
