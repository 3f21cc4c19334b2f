"""network_chaos_ng_scenarios on kwok: the plan names each target and what would be done,
a missing target fails the plan, and the undo of a helper's change is safe when the helper
is gone or is not the recording run's. (What the faults do is proven on the real node:
tests/integration/realnode/test_real_network.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from scenario_harness import ScenarioHarness, ready_pods, wait_for
from scenario_workloads import apply, deployment

from undertow.kube import KubeApi
from undertow.scenarios.network import plugin
from undertow.undo import ALREADY_RESTORED, FORMAT, UndoError, undo
from undertow.undo.labels import RUN_LABEL

pytestmark = pytest.mark.timeout(120)


def module(namespace: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "pod_network_filter",
        "test_duration": 10,
        "label_selector": "app=shop",
        "namespace": namespace,
        "ports": [80],
        "protocols": ["tcp"],
        **fields,
    }


def test_the_plan_names_each_target_and_the_filter(
    harness: ScenarioHarness, api_client: Any, kube_api: KubeApi, namespace: str
) -> None:
    apply(api_client, namespace, deployment("shop", replicas=3))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=shop")) == 3)
    [line] = harness.plan(plugin, [module(namespace, instance_count=2)])
    assert line.startswith("[0] pod_network_filter: drop tcp to 80 (ingress/egress) on pod shop-")
    assert line.count("pod shop-") == 2 and "undoes its fault by itself after 20s" in line
    [every] = harness.plan(plugin, [module(namespace, instance_count=0)])
    assert every.count("pod shop-") == 3
    [missing] = harness.plan(plugin, [module(namespace, label_selector="", target="nope")])
    assert missing == (
        f"[0] would fail: pod_network_filter: no running pod in namespace {namespace} matches nope"
    )


def _record(namespace: str, pod: str, run_id: str) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "run_id": run_id,
        "action": "revert_in_helper",
        "description": "remove a filter",
        "target": {
            "api_version": "v1",
            "kind": "Pod",
            "name": pod,
            "namespace": namespace,
            "uid": None,
        },
        "container": "fault",
        "applied": "true",
        "undo": "true",
        "state": "true",
        "before": "",
    }


def test_the_undo_of_a_gone_helper_is_done_and_another_runs_helper_is_refused(
    api_client: Any, kube_api: KubeApi, namespace: str
) -> None:
    gone = undo(lambda: kube_api.dynamic, _record(namespace, "undertow-pod-filter-0", "run-a"))
    assert gone.outcome == ALREADY_RESTORED
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "undertow-pod-filter-1", "labels": {RUN_LABEL: "run-b"}},
        "spec": {"containers": [{"name": "fault", "image": "busybox"}]},
    }
    apply(api_client, namespace, pod)
    with pytest.raises(UndoError, match="not a helper pod of the run that recorded this"):
        undo(lambda: kube_api.dynamic, _record(namespace, "undertow-pod-filter-1", "run-a"))
