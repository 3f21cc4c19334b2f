"""application_outages_scenarios on the local cluster: a deny policy exists for `duration`."""

from __future__ import annotations

import threading
from typing import Any

from scenario_harness import ScenarioHarness, cancel_when, cluster_state, ready_pods, wait_for
from scenario_workloads import apply, deployment

from undertow.clock import CancelToken
from undertow.kube import KubeApi
from undertow.scenarios.application_outage import plugin

POLICY = ("networking.k8s.io/v1", "NetworkPolicy")


def test_policy_blocks_for_the_duration_then_is_removed(
    harness: ScenarioHarness, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    apply(api_client, namespace, deployment("cart", 2, {"tier": "web"}), deployment("db", 1))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 3)
    before = cluster_state(kube_api, [namespace])
    spec = {
        "application_outage": {
            "namespace": namespace,
            "pod_selector": {"tier": "web"},
            "block": ["Ingress"],
            "duration": 3,
            "exclude_label": "app=db",
        }
    }
    assert "for 2 pods" in harness.plan(plugin, spec)[0]
    seen: list[dict[str, Any]] = []

    def watch() -> None:
        wait_for(
            lambda: seen.extend(kube_api.list(*POLICY, namespace)) or seen, timeout=10, interval=0.1
        )

    watcher = threading.Thread(target=watch)
    watcher.start()
    out = harness.run(plugin, spec)
    watcher.join()
    assert out.result is not None and out.result.passed, out
    assert out.result.metrics["outage_seconds"] >= 3  # held for its duration
    policy = seen[0]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["podSelector"] == {
        "matchLabels": {"tier": "web"},
        "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}],
    }
    assert "ingress" not in policy["spec"]  # no rule: everything is denied
    assert policy["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "undertow"
    assert [k for k in out.kinds() if k.startswith("outage")] == ["outage.started", "outage.ended"]
    assert out.settle.complete and out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_cancel_mid_duration_still_removes_the_policy(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str
) -> None:
    before = cluster_state(kube_api, [namespace])
    token = CancelToken()
    spec = {"application_outage": {"namespace": namespace, "duration": 120}}

    cancel_when_policy_exists = cancel_when(
        token, lambda: kube_api.list(*POLICY, namespace), timeout=20, interval=0.1
    )
    out = harness.run(plugin, spec, cancel=token, on_start=cancel_when_policy_exists)
    assert out.result is not None and not out.result.passed
    assert "cancelled" in out.result.summary
    assert cluster_state(kube_api, [namespace]) == before
