"""The families of deploy/rbac-families.yaml whose scenarios need a real node (containers,
services, hijacking, helpers), each run for real on it with a bound token of a
ServiceAccount bound to that family's ClusterRole alone (and rbac.yaml's heartbeat Role):
the run passes without a warning about its Lease, leaves nothing pending and none of
undertow's pods, and the workload it disrupted is back. The kwok families run in
tests/integration/deploy/test_rbac_families.py, which also reviews these four families'
grants call by call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from family_roles import run_as
from real_pods import create_ready, real_pod, wait_for
from test_real_faults import TRAPS_TERM
from test_real_storage import scenario as fill
from test_real_storage import small_volume  # noqa: F401 (a fixture, by name)

from undertow.rollback import directory

pytestmark = pytest.mark.timeout(600)

MANAGED = "app.kubernetes.io/managed-by=undertow"


def _web_pod(core: Any, namespace: str) -> None:
    create_ready(core, real_pod("web", TRAPS_TERM, port=8080), namespace)


def _web_service(core: Any, namespace: str) -> None:
    port = {"name": "http", "port": 80, "targetPort": "http"}
    spec = {"selector": {"app": "web"}, "ports": [port]}
    core.create_namespaced_service(namespace, {"metadata": {"name": "web"}, "spec": spec})


def containers(core: Any, _apps: Any, namespace: str) -> tuple[str, object]:
    _web_pod(core, namespace)
    scenario = {"namespace": namespace, "label_selector": "app=web", "action": "SIGTERM"}
    return "container_scenarios", {"scenarios": [{**scenario, "expected_recovery_time": 60}]}


def services(core: Any, apps: Any, namespace: str) -> tuple[str, object]:
    pod = real_pod("web", TRAPS_TERM, port=8080)
    template = {"metadata": pod["metadata"], "spec": pod["spec"]}
    selector = {"matchLabels": {"app": "web"}}
    apps.create_namespaced_deployment(
        namespace,
        {
            "metadata": {"name": "web"},
            "spec": {"replicas": 1, "selector": selector, "template": template},
        },
    )
    _web_service(core, namespace)
    wait_for("web ready", lambda: core.list_namespaced_pod(namespace, label_selector="app=web"))
    # Nothing recreates them: undertow restores them after wait_time, then waits as long again
    # for the pod to be Ready (a real pod, on a busy node).
    scenario = {"namespace": f"^{namespace}$", "sleep": 0, "wait_time": 30}
    return "service_disruption_scenarios", {
        "scenarios": [{**scenario, "delete": "objects", "restore": True}]
    }


def hijacking(core: Any, _apps: Any, namespace: str) -> tuple[str, object]:
    _web_pod(core, namespace)
    _web_service(core, namespace)
    plan = [{"resource": "/", "steps": {"GET": [{"status": 503, "payload": "down"}]}}]
    return "service_hijacking_scenarios", {
        "service_name": "web",
        "service_namespace": namespace,
        "service_target_port": "http",
        "chaos_duration": 2,
        "privileged": False,
        "plan": plan,
    }


def helpers(_core: Any, _apps: Any, namespace: str) -> tuple[str, object]:
    """A PVC filled from inside the pod that mounts it (the `small_volume` fixture): the
    helper-pod scenarios' other calls are reviewed call by call, and a hog pod can outlast
    its own deadline on this busy node before it starts."""
    return "pvc_scenarios", fill(namespace, 60, 2)


FAMILIES: dict[str, Callable[[Any, Any, str], tuple[str, object]]] = {
    "containers": containers,
    "helpers": helpers,
    "hijacking": hijacking,
    "services": services,
}
"""Each family's set-up, returning its scenario type and file content."""


def _state(core: Any, apps: Any, namespace: str) -> dict[str, Any]:
    """What the runs disrupt: the workload's names and selectors, and undertow's pods."""
    deployments = apps.list_namespaced_deployment(namespace).items
    return {
        "deployments": sorted(d.metadata.name for d in deployments),
        "services": {
            s.metadata.name: s.spec.selector for s in core.list_namespaced_service(namespace).items
        },
        "undertow_pods": [
            p.metadata.name
            for p in core.list_namespaced_pod(namespace, label_selector=MANAGED).items
        ],
    }


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_real_node_family_runs_with_its_role_alone(
    family: str,
    core: Any,
    api_client: Any,
    namespace: str,
    token_for: Callable[[str], Path],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    from kubernetes import client

    apps = client.AppsV1Api(api_client)
    if family == "helpers":
        request.getfixturevalue("small_volume")
    scenario_type, body = FAMILIES[family](core, apps, namespace)
    before = _state(core, apps, namespace)
    token = token_for(family)
    done = run_as(tmp_path, token, namespace, scenario_type, yaml.safe_dump(body))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Lease" not in output and "forbidden" not in output.lower(), output
    for versions in tmp_path.glob("run-*/versions"):
        assert directory.list_runs(versions) == []
    wait_for("the namespace as before", lambda: _state(core, apps, namespace) == before)
    record_testsuite_property(
        "reliability",
        json.dumps({"section": "rbac", "family": family, "runs": True, "node": "real"}),
    )
