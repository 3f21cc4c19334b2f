"""examples/service_*.yaml run against examples/workload.yaml and leave it as it was.

The workload is created in the test's namespace instead of undertow-demo, and the example
files are pointed at it (and shortened) here, never edited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from scenario_harness import ScenarioHarness, cluster_state, ready_pods, wait_for
from scenario_workloads import apply

from undertow.kube import KubeApi
from undertow.scenarios.service_disruption import plugin as disruption
from undertow.scenarios.service_hijacking import plugin as hijacking

EXAMPLES = Path(__file__).parents[3] / "examples"


def _sample_workload(api_client: Any, kube_api: KubeApi, namespace: str) -> None:
    documents = list(yaml.safe_load_all((EXAMPLES / "workload.yaml").read_text()))
    assert [d["kind"] for d in documents] == ["Namespace", "Deployment", "Service"]
    for doc in documents[1:]:
        doc["metadata"]["namespace"] = namespace
    apply(api_client, namespace, *documents[1:])
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 3)


def test_examples_run_against_the_sample_workload(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str, real_node: Any
) -> None:
    _sample_workload(api_client, kube_api, namespace)
    before = cluster_state(kube_api, [namespace])

    hijack = yaml.safe_load((EXAMPLES / "service_hijacking.yaml").read_text())
    assert hijack["service_namespace"] == "undertow-demo"
    hijack.update(service_namespace=namespace, chaos_duration=2)
    out = harness.run(hijacking, hijack)
    assert out.result is not None and out.result.passed, out.result or out.error
    assert "endpoints_switch_seconds" in out.result.metrics
    assert cluster_state(kube_api, [namespace]) == before

    disrupt = yaml.safe_load((EXAMPLES / "service_disruption.yaml").read_text())
    assert disrupt["scenarios"][0]["namespace"] == "^undertow-demo$"
    # wait_time also bounds the wait after the restore: real pods need a few seconds to be Ready.
    disrupt["scenarios"][0].update(namespace=f"^{namespace}$", wait_time=15, sleep=0)
    out = harness.run(disruption, disrupt)
    assert out.result is not None and out.result.passed, out.result or out.error
    assert out.result.metrics["objects_deleted"] == 2
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 3)
    assert cluster_state(kube_api, [namespace]) == before
