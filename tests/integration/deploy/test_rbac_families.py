"""deploy/rbac-families.yaml: each family's ClusterRole is enough for that family, and only it.

For each family a ServiceAccount bound to that family's ClusterRole alone (plus rbac.yaml's
heartbeat Role: its Lease and its journal's cluster copy) gets a bound token; with it a real
`undertow run` of the family's scenario passes, and a run of every other family's scenario is
refused by the API server (exit != 0, no traceback, nothing left pending or changed). The
family's key verb is checked directly too: allowed for its own token, 403 for the others.
The families that need pods that really run are run on the real node
(tests/integration/realnode/test_real_rbac_families.py) and reviewed here call by call.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from family_roles import documents, run_as
from kwok_nodes import tainted_node

from undertow.rollback import directory

pytestmark = pytest.mark.timeout(600)

GROUP_LABEL = "undertow.io/deploy-test"


ALL_FAMILIES = [d["metadata"]["name"].removeprefix("undertow-family-") for d in documents()]
FAMILIES = ["pods", "network", "nodes"]
"""The families whose scenario runs for real on kwok nodes."""
CALLS: dict[str, set[tuple[str, str, str]]] = {
    "containers": {
        ("", "pods", "get"),  # re-read before the signal, and while containers restart
        ("", "pods", "list"),  # the pods chosen by namespace and label
        ("", "pods/exec", "get"),  # `kill` inside the container (websocket exec, older)
        ("", "pods/exec", "create"),  # the same, on newer API servers
    },
    "services": {
        ("", "namespaces", "get"),
        ("", "namespaces", "list"),  # by name or label
        ("", "namespaces", "delete"),  # delete: namespace
        *(("", "services", v) for v in ("get", "list", "create", "delete")),
        *(
            ("apps", kind, v)
            for kind in ("deployments", "replicasets", "statefulsets", "daemonsets")
            for v in ("get", "list", "create", "delete")  # deleted; restore recreates
        ),
        ("", "pods", "get"),
        ("", "pods", "list"),  # the recovery check
        ("", "persistentvolumeclaims", "get"),
        ("", "persistentvolumeclaims", "list"),  # the plan's warning about lost claims
    },
    "hijacking": {
        ("", "services", "get"),
        ("", "services", "list"),
        ("", "services", "patch"),  # the selector, repointed and put back
        *(
            ("", kind, v)
            for kind in ("pods", "configmaps")
            for v in ("get", "list", "create", "delete")
        ),
        ("discovery.k8s.io", "endpointslices", "list"),  # the recovery check
    },
    "helpers": {
        *(("", "pods", v) for v in ("get", "list", "create", "delete")),  # helper pods
        ("", "pods/exec", "get"),
        ("", "pods/exec", "create"),  # scripts in helper or target pods
        ("", "pods/log", "get"),  # generators' reports
        ("", "nodes", "get"),
        ("", "nodes", "list"),
        *(
            ("", kind, v)
            for kind in ("persistentvolumeclaims", "services")
            for v in ("get", "list")
        ),
    },
}
"""The calls each family's code makes, which its ClusterRole must grant, and no more;
reviewed by the API server (SelfSubjectAccessReview) where kwok cannot run the family."""
OUTSIDE = [
    ("", "nodes", "patch"),
    ("", "secrets", "get"),
    ("networking.k8s.io", "networkpolicies", "create"),
    ("", "pods/eviction", "create"),
]
"""Calls no reviewed family needs: each must be refused to all of them."""


class Place:
    """A namespace with a 2-pod Deployment on a kwok node of its own."""

    def __init__(self, api_client: Any, namespace: str) -> None:
        from kubernetes import client

        self.core = client.CoreV1Api(api_client)
        self.apps = client.AppsV1Api(api_client)
        self.namespace = namespace
        self.group = uuid.uuid4().hex[:6]
        self.node = f"rbac-{self.group}"
        self.core.create_node(
            tainted_node(self.node, GROUP_LABEL, self.group, f"zone-{self.group}")
        )
        self.apps.create_namespaced_deployment(namespace, self._deployment())
        _wait(
            lambda: (
                (self.apps.read_namespaced_deployment("web", namespace).status.ready_replicas or 0)
                == 2
            )
        )

    def _deployment(self) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "terminationGracePeriodSeconds": 0,
                        "tolerations": [{"key": GROUP_LABEL, "operator": "Exists"}],
                        "nodeSelector": {GROUP_LABEL: self.group},
                        "containers": [{"name": "web", "image": "nginx:1.27"}],
                    },
                },
            },
        }

    def snapshot(self) -> dict[str, Any]:
        from kubernetes import client

        node = self.core.read_node(self.node)
        net = client.NetworkingV1Api(self.core.api_client)
        return {
            "unschedulable": bool(node.spec.unschedulable),
            "taints": sorted(
                t.key for t in node.spec.taints or [] if not t.key.startswith("node.kubernetes.io/")
            ),
            "policies": [
                p.metadata.name for p in net.list_namespaced_network_policy(self.namespace).items
            ],
        }

    def scenario(self, family: str) -> tuple[str, str]:
        """(scenario type, file content) of the family's scenario here."""
        return {
            "pods": (
                "pod_disruption_scenarios",
                f"- id: kill-pods\n  config:\n    namespace_pattern: ^{self.namespace}$\n"
                "    label_selector: app=web\n    kill: 1\n    krkn_pod_recovery_time: 30\n",
            ),
            "network": (
                "application_outages_scenarios",
                f"application_outage:\n  namespace: {self.namespace}\n"
                "  pod_selector: {app: web}\n  block: [Ingress, Egress]\n  duration: 1\n",
            ),
            "nodes": (
                "node_scenarios",
                "node_scenarios:\n  - actions: [node_cordon_scenario, node_taint_scenario]\n"
                f"    node_name: {self.node}\n    instance_count: 1\n    duration: 1\n"
                "    timeout: 30\n    cloud_type: local\n"
                '    taints: ["undertow.io/chaos=rbac:NoSchedule"]\n',
            ),
        }[family]

    def a_pod(self) -> str:
        return str(self.core.list_namespaced_pod(self.namespace).items[0].metadata.name)

    def remove(self) -> None:
        self.core.delete_node(self.node)


def _wait(check: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


@pytest.fixture
def place(api_client: Any, namespace: str) -> Iterator[Place]:
    made = Place(api_client, namespace)
    try:
        yield made
    finally:
        made.remove()


def _run(
    tmp: Path, kubeconfig: Path, place: Place, family: str
) -> subprocess.CompletedProcess[str]:
    return run_as(tmp, kubeconfig, place.namespace, *place.scenario(family))


def _key_verb(kubeconfig: Path, place: Place, family: str) -> int:
    """The HTTP status of the family's key call with this identity (2xx: allowed)."""
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    as_identity = config.new_client_from_config(config_file=str(kubeconfig))
    calls: dict[str, Callable[[], object]] = {
        "pods": lambda: client.CoreV1Api(as_identity).delete_namespaced_pod(
            place.a_pod(), place.namespace, dry_run="All"
        ),
        "network": lambda: client.NetworkingV1Api(as_identity).create_namespaced_network_policy(
            place.namespace,
            {"metadata": {"name": "probe"}, "spec": {"podSelector": {}}},
            dry_run="All",
        ),
        "nodes": lambda: client.CoreV1Api(as_identity).patch_node(
            place.node, {"metadata": {"labels": {"probe": "x"}}}, dry_run="All"
        ),
    }
    try:
        calls[family]()
    except ApiException as exc:
        return int(exc.status)
    finally:
        as_identity.close()
    return 200


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_runs_with_its_role_and_is_refused_the_others(
    family: str,
    place: Place,
    token_for: Callable[[str], Path],
    tmp_path: Path,
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    token = token_for(family)
    before = place.snapshot()
    own = _run(tmp_path, token, place, family)
    assert own.returncode == 0, own.stdout + own.stderr
    assert "Lease" not in own.stdout + own.stderr  # the heartbeat warned of nothing
    _wait(lambda: place.snapshot() == before)
    refused = []
    for other in FAMILIES:
        if other == family:
            assert _key_verb(token, place, other) == 200
            continue
        assert _key_verb(token, place, other) == 403, other
        done = _run(tmp_path, token, place, other)
        output = done.stdout + done.stderr
        assert done.returncode != 0 and "Traceback" not in output, output
        assert "403" in output or "forbidden" in output.lower(), output
        assert place.snapshot() == before
        refused.append(other)
    for versions in tmp_path.glob("run-*/versions"):
        assert directory.list_runs(versions) == []
    record_testsuite_property(
        "reliability",
        json.dumps({"section": "rbac", "family": family, "runs": True, "refused": refused}),
    )


def _granted(family: str) -> set[tuple[str, str, str]]:
    """(group, resource, verb) of every rule of the family's ClusterRole."""
    [role] = [d for d in documents() if d["metadata"]["name"] == f"undertow-family-{family}"]
    return {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def _allowed(as_identity: Any, namespace: str, call: tuple[str, str, str]) -> bool:
    from kubernetes import client

    group, resource, verb = call
    name, _, sub = resource.partition("/")
    attributes = {"group": group, "resource": name, "verb": verb, "namespace": namespace}
    if sub:
        attributes["subresource"] = sub
    review = client.AuthorizationV1Api(as_identity).create_self_subject_access_review(
        {"spec": {"resourceAttributes": attributes}}
    )
    return bool(review.status.allowed)


def test_every_family_is_run_or_reviewed() -> None:
    assert sorted(ALL_FAMILIES) == sorted([*FAMILIES, *CALLS])


@pytest.mark.parametrize("family", sorted(CALLS))
def test_each_reviewed_family_is_granted_exactly_its_calls(
    family: str,
    namespace: str,
    token_for: Callable[[str], Path],
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    from kubernetes import config

    assert _granted(family) == CALLS[family]
    as_identity = config.new_client_from_config(config_file=str(token_for(family)))
    try:
        refused_own = [c for c in sorted(CALLS[family]) if not _allowed(as_identity, namespace, c)]
        allowed_outside = [c for c in OUTSIDE if _allowed(as_identity, namespace, c)]
    finally:
        as_identity.close()
    record_testsuite_property(
        "reliability",
        json.dumps(
            {
                "section": "rbac_reviewed",
                "family": family,
                "calls": len(CALLS[family]),
                "allowed": len(CALLS[family]) - len(refused_own),
                "outside_refused": len(OUTSIDE) - len(allowed_outside),
                "outside": len(OUTSIDE),
            }
        ),
    )
    assert refused_own == []
    assert allowed_outside == []
