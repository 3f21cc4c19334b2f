"""The crash matrix per scenario type: a short real `undertow run` of each type that runs on
kwok nodes, SIGKILLed at each failpoint of the journal protocol (undertow.failpoints) as it
meets its FIRST journaled change (or, at the `executor.*` failpoints, its first undo: the
scenario's own clean-up at the end of its few seconds), then `undertow rollback execute`
(tests/integration/crash_cell.py) must put back the namespace and the nodes as they were,
undoing each pending entry exactly once.

The full matrix (every type x every failpoint) runs with UNDERTOW_CRASH_MATRIX=full, as
`scripts/reliability_report.py` does; otherwise a slice (tests/integration/crash_types.py).
Killed mid-duration, each type is tested in test_scenario_crash.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from crash_cell import CrashCell
from crash_types import KWOK_TYPES, NOT_IN_MATRIX, REAL_NODE_TYPES, cells, round_robin
from scenario_harness import cluster_state, ready_pods, wait_for
from scenario_nodes import ChaosNodes, chaos_nodes
from scenario_workloads import apply, deployment, service
from test_scenario_crash import undertow_objects

from undertow import failpoints
from undertow.kube import KubeApi
from undertow.scenarios.builtin import BUILTIN_SCENARIOS

pytestmark = pytest.mark.timeout(300)

CHAOS_SECONDS = 2
"""Each run's fault lasts this long, so the `executor.*` failpoints come soon."""


@dataclass(frozen=True)
class Place:
    """Where a cell runs: its namespace, the test's kwok nodes, and clients to set it up."""

    namespace: str
    nodes: ChaosNodes
    api_client: Any
    api: KubeApi

    def deploy(self, name: str, replicas: int, *extra: dict[str, Any]) -> None:
        apply(self.api_client, self.namespace, deployment(name, replicas), *extra)
        wait_for(lambda: len(ready_pods(self.api, self.namespace, f"app={name}")) == replicas)


def pod_disruption(place: Place) -> object:
    """Kills a pod nothing replaces, so the scenario fails and the run rolls back: a passing
    run has nothing to undo (a deleted pod's entry is a record), so it would never reach the
    `executor.*` failpoints."""
    lone = deployment("lone", 1)["spec"]["template"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lone", **lone["metadata"]}}
    apply(place.api_client, place.namespace, {**pod, "spec": lone["spec"]})
    wait_for(lambda: ready_pods(place.api, place.namespace, "app=lone"))
    return [
        {
            "id": "kill-pods",
            "config": {
                "namespace_pattern": f"^{place.namespace}$",
                "label_selector": "app=lone",
                "kill": 1,
                "krkn_pod_recovery_time": CHAOS_SECONDS,
            },
        }
    ]


def application_outage(place: Place) -> object:
    place.deploy("cart", 1)
    return {
        "application_outage": {
            "namespace": place.namespace,
            "pod_selector": {"app": "cart"},
            "block": ["Ingress", "Egress"],
            "duration": CHAOS_SECONDS,
        }
    }


def service_hijacking(place: Place) -> object:
    place.deploy("web", 1, service("web", {"app": "web"}))
    return {
        "service_name": "web",
        "service_namespace": place.namespace,
        "service_target_port": "http",
        "chaos_duration": CHAOS_SECONDS,
        "privileged": False,
        "plan": [{"resource": "/", "steps": {"GET": [{"status": 503, "payload": "down"}]}}],
    }


def service_disruption(place: Place) -> object:
    place.deploy("web", 1, service("web", {"app": "web"}))
    return {
        "scenarios": [
            {
                "namespace": f"^{place.namespace}$",
                "sleep": 0,
                "wait_time": CHAOS_SECONDS,
                "delete": "objects",
                "restore": True,
            }
        ]
    }


def node_taint(place: Place) -> object:
    return {
        "node_scenarios": [
            {
                "actions": ["node_taint_scenario"],
                "node_name": place.nodes.names[0],
                "taints": ["undertow-crash=held:NoSchedule"],
                "duration": CHAOS_SECONDS,
            }
        ]
    }


def zone_outage(place: Place) -> object:
    return {
        "zone_outage": {
            "cloud_type": "local",
            "zone": place.nodes.zone,
            "duration": CHAOS_SECONDS,
        }
    }


def hog(place: Place) -> object:
    return {
        "hog-type": "cpu",
        "duration": CHAOS_SECONDS,
        "workers": 1,
        "namespace": place.namespace,
        "node-selector": place.nodes.selector,
        "taints": [f"{place.nodes.selector}:NoSchedule"],
    }


def _load_placement(place: Place) -> dict[str, Any]:
    key, value = place.nodes.selector.split("=")
    apply(place.api_client, place.namespace, service("web", {"app": "web"}))
    return {"namespace": place.namespace, "number-of-pods": 1, "attacker-nodes": {key: [value]}}


def syn_flood(place: Place) -> object:
    return {
        **_load_placement(place),
        "target-service": "web",
        "target-port": 80,
        "duration": CHAOS_SECONDS,
    }


def http_load(place: Place) -> object:
    url = f"http://web.{place.namespace}.svc/"
    return [
        {
            "http_load_scenario": {
                **_load_placement(place),
                "targets": {"endpoints": [{"url": url, "method": "GET"}]},
                "duration": f"{CHAOS_SECONDS}s",
            }
        }
    ]


SCENARIOS: dict[str, Callable[[Place], object]] = {
    "application_outages_scenarios": application_outage,
    "hog_scenarios": hog,
    "http_load_scenarios": http_load,
    "node_scenarios": node_taint,
    "pod_disruption_scenarios": pod_disruption,
    "service_disruption_scenarios": service_disruption,
    "service_hijacking_scenarios": service_hijacking,
    "syn_flood_scenarios": syn_flood,
    "zone_outages_scenarios": zone_outage,
}
"""Each type that runs on kwok nodes: its set-up, returning its scenario file's content."""


def test_every_type_is_in_the_matrix_or_says_why(
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    assert set(SCENARIOS) == KWOK_TYPES
    assert set(BUILTIN_SCENARIOS) <= KWOK_TYPES | REAL_NODE_TYPES | set(NOT_IN_MATRIX)
    for types in (KWOK_TYPES, REAL_NODE_TYPES):
        assert {p for _, p in round_robin(types)} == set(failpoints.names())
    record_testsuite_property(
        "reliability", json.dumps({"section": "crash_types_not_in_matrix", **NOT_IN_MATRIX})
    )


@pytest.fixture(scope="module")
def nodes(api_client: Any, kube_api: KubeApi) -> Iterator[ChaosNodes]:
    with chaos_nodes(api_client, kube_api) as made:
        yield made


def snapshot(api: KubeApi, namespace: str) -> dict[str, Any]:
    """The nodes and the namespace as the scenarios may change them, and undertow's objects
    in the namespace (not other namespaces': other tests share the cluster)."""
    state = cluster_state(api, [namespace])
    return {
        "nodes": state["nodes"],
        "namespace": state["namespaces"],
        "undertow_objects": undertow_objects(api, namespace),
    }


@pytest.mark.parametrize(("scenario_type", "point"), cells(KWOK_TYPES))
def test_type_killed_at_failpoint_then_rollback_execute_restores(
    scenario_type: str,
    point: str,
    tmp_path: Path,
    kubeconfig: str,
    api_client: Any,
    kube_api: KubeApi,
    namespace: str,
    nodes: ChaosNodes,
) -> None:
    place = Place(namespace, nodes, api_client, kube_api)
    body = SCENARIOS[scenario_type](place)
    before = snapshot(kube_api, namespace)
    scenario = yaml.safe_dump(body, sort_keys=False)
    CrashCell(tmp_path, kubeconfig, scenario_type, scenario).kill_then_restore(point)
    wait_for(lambda: snapshot(kube_api, namespace) == before, timeout=90)
