"""A selection beyond the blast radius, on the local cluster: the scenario is refused before
its first change, so the namespace is as it was (same objects, same pods, same selectors),
no version file is left and no `targets.selected` event was sent.

Each type here checks its selection since it goes through `RunContext.selected`; the
protected namespace is the test's own (as undertow's own namespace would be).
"""

from __future__ import annotations

from typing import Any

import pytest
from scenario_harness import Outcome, ScenarioHarness, cluster_state, ready_pods, wait_for
from scenario_workloads import apply, deployment, service

from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.scenarios.application_outage import plugin as application_outage
from undertow.scenarios.containers.plugin import plugin as container_scenarios
from undertow.scenarios.service_hijacking import plugin as service_hijacking
from undertow.scenarios.syn_flood.plugin import plugin as syn_flood


def _snapshot(api: KubeApi, namespace: str) -> dict[str, Any]:
    """The namespace's objects, with each pod's uid and restart counts."""
    pods = {
        p["metadata"]["name"]: (
            p["metadata"]["uid"],
            [c.get("restartCount") for c in (p.get("status") or {}).get("containerStatuses") or []],
        )
        for p in api.list_pods(namespace)
    }
    return {"state": cluster_state(api, [namespace]), "pods": pods}


@pytest.fixture
def web(api_client: Any, kube_api: KubeApi, namespace: str) -> str:
    """Three Ready pods of `web` behind a Service `web`; returns the namespace."""
    apply(api_client, namespace, deployment("web", 3), service("web", {"app": "web"}))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 3)
    return namespace


def _refused(out: Outcome, field: str, why: str) -> None:
    assert isinstance(out.error, ScenarioError), out
    assert f"refused: test.yaml at {field}: " in str(out.error)
    assert why in str(out.error)
    assert "targets.selected" not in out.kinds()
    assert out.settle.complete and out.pending_files() == []
    assert not out.journal.exists() or not any(out.journal.iterdir())  # nothing journaled


def test_containers_over_max_targets_are_not_signalled(
    harness: ScenarioHarness, kube_api: KubeApi, web: str
) -> None:
    before = _snapshot(kube_api, web)
    spec = {"scenarios": [{"namespace": web, "label_selector": "app=web", "count": 3}]}
    out = harness.run(container_scenarios, spec, max_targets=1)
    _refused(out, "scenarios[0]", "3 targets selected, more than max_targets 1")
    assert _snapshot(kube_api, web) == before


def test_an_outage_in_a_protected_namespace_creates_no_policy(
    harness: ScenarioHarness, kube_api: KubeApi, web: str
) -> None:
    before = _snapshot(kube_api, web)
    spec = {"application_outage": {"namespace": web, "pod_selector": {"app": "web"}, "duration": 1}}
    out = harness.run(application_outage, spec, protected=frozenset({web}))
    _refused(out, "application_outage.namespace", f"reaches the protected namespace {web}")
    assert _snapshot(kube_api, web) == before


def test_a_service_in_a_protected_namespace_is_not_hijacked(
    harness: ScenarioHarness, kube_api: KubeApi, web: str
) -> None:
    before = _snapshot(kube_api, web)
    spec = {
        "service_name": "web",
        "service_namespace": web,
        "service_target_port": "http",
        "chaos_duration": 1,
        "plan": [{"resource": "/", "steps": {"GET": [{"status": 503}]}}],
    }
    out = harness.run(service_hijacking, spec, protected=frozenset({web}))
    _refused(out, "service_namespace", f"reaches the protected namespace {web}")
    assert _snapshot(kube_api, web) == before


def test_a_service_in_a_protected_namespace_is_not_flooded(
    harness: ScenarioHarness, kube_api: KubeApi, web: str
) -> None:
    before = _snapshot(kube_api, web)
    spec = {"namespace": web, "target-service": "web", "target-port": 80, "duration": 1}
    out = harness.run(syn_flood, spec, protected=frozenset({web}))
    _refused(out, "target-service", f"reaches the protected namespace {web}")
    assert _snapshot(kube_api, web) == before
