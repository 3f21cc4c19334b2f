"""deploy/rbac.yaml is enough for a whole run, and no more.

The `undertow` ServiceAccount's token (TokenRequest API) runs every Kubernetes-level scenario
type against examples/workload.yaml in a real `undertow run` subprocess, then `rollback
sweep --dry-run`; the same token is refused what undertow never does.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kwok_nodes import tainted_node

from undertow.rollback import directory

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
RBAC = REPO / "deploy" / "rbac.yaml"
WORKLOAD = REPO / "examples" / "workload.yaml"
DEMO_NAMESPACE = "undertow-demo"
SA_NAMESPACE = "undertow"


def _documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text("utf-8")) if d]


def _dynamic(api_client: Any) -> Any:
    from kubernetes import dynamic

    return dynamic.DynamicClient(api_client)


def _create_all(api_client: Any, docs: list[dict[str, Any]]) -> None:
    dyn = _dynamic(api_client)
    for doc in docs:
        resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        resource.create(body=doc, namespace=doc["metadata"].get("namespace"))


def _delete_all(api_client: Any, docs: list[dict[str, Any]]) -> None:
    """Delete `docs` and wait until they are gone (a namespace takes a moment)."""
    from kubernetes.dynamic.exceptions import NotFoundError

    dyn = _dynamic(api_client)
    resources = [
        (dyn.resources.get(api_version=d["apiVersion"], kind=d["kind"]), d["metadata"])
        for d in reversed(docs)
    ]
    for resource, meta in resources:
        with contextlib.suppress(NotFoundError):
            resource.delete(name=meta["name"], namespace=meta.get("namespace"))

    def gone(resource: Any, meta: dict[str, Any]) -> bool:
        try:
            resource.get(name=meta["name"], namespace=meta.get("namespace"))
        except NotFoundError:
            return True
        return False

    _wait(lambda: all(gone(r, m) for r, m in resources), timeout=120)


def _wait(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def _node_ready(node: Any) -> bool:
    conditions = node.status.conditions or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


@pytest.fixture
def rbac(api_client: Any) -> Iterator[None]:
    docs = _documents(RBAC)
    _create_all(api_client, docs)
    try:
        yield
    finally:
        _delete_all(api_client, docs)


@pytest.fixture
def demo_workload(api_client: Any, real_node: Any) -> Iterator[None]:
    """The sample workload: real pods, on the real node."""
    from kubernetes import client

    docs = _documents(WORKLOAD)
    _create_all(api_client, docs)
    apps = client.AppsV1Api(api_client)
    try:
        _wait(
            lambda: (
                (apps.read_namespaced_deployment("web", DEMO_NAMESPACE).status.ready_replicas or 0)
                >= 2
            )
        )
        yield
    finally:
        _delete_all(api_client, docs)


@pytest.fixture
def chaos_nodes(api_client: Any) -> Iterator[tuple[str, list[str]]]:
    """Two dedicated ready kwok nodes in a zone of their own (deleted afterwards)."""
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    group = uuid.uuid4().hex[:6]
    zone = f"zone-deploy-{group}"
    names = [f"deploy-{group}-{i}" for i in range(2)]
    for name in names:
        core.create_node(tainted_node(name, "undertow.io/deploy-test", group, zone))
    try:
        _wait(lambda: all(_node_ready(core.read_node(n)) for n in names))
        yield zone, names
    finally:
        for name in names:
            core.delete_node(name)


def _token_kubeconfig(api_client: Any, admin_kubeconfig: str, path: Path) -> Path:
    """A kubeconfig that authenticates as the `undertow` ServiceAccount (a bound token)."""
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    request = {"spec": {"audiences": None, "expirationSeconds": 3600}}
    token = core.create_namespaced_service_account_token(SA_NAMESPACE, SA_NAMESPACE, request)
    admin = yaml.safe_load(Path(admin_kubeconfig).read_text("utf-8"))
    cluster = admin["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": cluster}],
        "users": [{"name": "undertow", "user": {"token": token.status.token}}],
        "contexts": [{"name": "undertow", "context": {"cluster": "local", "user": "undertow"}}],
        "current-context": "undertow",
    }
    if "certificate-authority" in cluster:  # a relative path would break once moved
        ca = Path(cluster["certificate-authority"])
        cluster["certificate-authority"] = str(
            ca if ca.is_absolute() else Path(admin_kubeconfig).parent / ca
        )
    path.write_text(yaml.safe_dump(config), "utf-8")
    return path


def _scenario_files(tmp: Path, zone: str, nodes: list[str]) -> Path:
    """A config with every Kubernetes-level scenario type, each lasting a few seconds."""
    files: dict[str, Any] = {
        "pod_disruption_scenarios": [
            {
                "id": "kill-pods",
                "config": {
                    "namespace_pattern": f"^{DEMO_NAMESPACE}$",
                    "label_selector": "app=web",
                    "kill": 1,
                    "krkn_pod_recovery_time": 60,
                },
            }
        ],
        "application_outages_scenarios": {
            "application_outage": {
                "namespace": DEMO_NAMESPACE,
                "pod_selector": {"app": "web"},
                "block": ["Ingress", "Egress"],
                "duration": 3,
            }
        },
        "service_hijacking_scenarios": {
            "service_name": "web",
            "service_namespace": DEMO_NAMESPACE,
            "service_target_port": "http",
            "chaos_duration": 3,
            "privileged": False,
            "plan": [{"resource": "/", "steps": {"GET": [{"status": 503, "payload": "down"}]}}],
        },
        "container_scenarios": {  # exec into a web container of the real node
            "scenarios": [
                {
                    "namespace": DEMO_NAMESPACE,
                    "label_selector": "app=web",
                    "container_name": "web",
                    "action": 15,
                    "expected_recovery_time": 60,
                }
            ]
        },
        "hog_scenarios": {
            "hog-type": "cpu",
            "duration": 3,
            "workers": 1,
            "cpu-load-percentage": 20,
            "namespace": DEMO_NAMESPACE,
            "node-selector": {"undertow.io/real-node": "true"},
            "taints": ["undertow.io/real-node=true:NoSchedule"],
        },
        "network_chaos_ng_scenarios": [  # a helper pod, exec in it, on the real node
            {
                "id": "pod_network_filter",
                "image": "quay.io/krkn-chaos/krkn",  # mapped to the local tools image
                "test_duration": 3,
                "label_selector": "app=web",
                "namespace": DEMO_NAMESPACE,
                "ingress": True,
                "egress": False,
                "ports": [80],
                "protocols": ["tcp"],
                "taints": ["undertow.io/real-node=true:NoSchedule"],
            }
        ],
        "service_disruption_scenarios": {
            "scenarios": [
                {
                    "namespace": f"^{DEMO_NAMESPACE}$",
                    "delete_count": 1,
                    "runs": 1,
                    "sleep": 1,
                    "wait_time": 60,
                    "delete": "objects",
                    "restore": True,
                }
            ]
        },
        "node_scenarios": {
            "node_scenarios": [
                {
                    "actions": ["node_stop_start_scenario"],
                    "node_name": nodes[0],
                    "instance_count": 1,
                    "duration": 3,
                    "timeout": 60,
                    "poll_interval": 1,
                    "cloud_type": "local",
                },
                {
                    "actions": [
                        "node_cordon_scenario",
                        "node_taint_scenario",
                        "node_drain_scenario",
                    ],
                    "node_name": nodes[1],
                    "instance_count": 1,
                    "duration": 2,
                    "timeout": 60,
                    "taints": ["undertow.io/chaos=deploy:NoSchedule"],
                    "cloud_type": "local",
                },
            ]
        },
        "zone_outages_scenarios": {
            "zone_outage": {"cloud_type": "local", "zone": zone, "duration": 3, "timeout": 60}
        },
    }
    listed = []
    for kind, body in files.items():
        path = tmp / f"{kind}.yaml"
        path.write_text(yaml.safe_dump(body, sort_keys=False), "utf-8")
        listed.append({kind: [path.name]})
    config = tmp / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "scenarios": listed,
                "rollback": {"auto": True},
                "tunings": {"iterations": 1, "wait_duration": 1},
            },
            sort_keys=False,
        ),
        "utf-8",
    )
    return config


def _undertow(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "undertow", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_service_account_runs_every_scenario_type_and_nothing_more(
    api_client: Any,
    kubeconfig: str,
    rbac: None,
    demo_workload: None,
    chaos_nodes: tuple[str, list[str]],
    tmp_path: Path,
) -> None:
    zone, nodes = chaos_nodes
    token_config = str(_token_kubeconfig(api_client, kubeconfig, tmp_path / "token.kubeconfig"))
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    config = _scenario_files(scenarios, zone, nodes)
    versions = tmp_path / "versions"

    run = _undertow(
        "run", "-c", str(config), "--kubeconfig", token_config, "--versions-dir", str(versions)
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "403" not in run.stdout + run.stderr
    assert "Lease" not in run.stdout + run.stderr  # the heartbeat warned of nothing
    assert directory.list_runs(versions) == []

    sweep = _undertow(
        "rollback",
        "sweep",
        "--dry-run",
        "--kubeconfig",
        token_config,
        "--versions-dir",
        str(versions),
    )
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    unlisted = _unlisted(sweep.stderr)
    assert "Secret.v1" in unlisted  # not granted: reported, not fatal
    created_kinds = (
        "Pod.v1",
        "ConfigMap.v1",
        "NetworkPolicy.networking.k8s.io/v1",
        "Lease.coordination.k8s.io/v1",
    )
    for created in created_kinds:
        assert created not in unlisted  # what undertow creates, the sweep does see

    _assert_refused(token_config, nodes[0])


def _unlisted(stderr: str) -> set[str]:
    for line in stderr.splitlines():
        if line.startswith("not allowed to list"):
            return set(line.split(": ", 1)[1].split(", "))
    return set()


def _assert_refused(token_config: str, node: str) -> None:
    """What undertow never does is refused: delete a Node, read Secrets (the optional
    namespace-restore role is not bound), touch cluster-scoped RBAC."""
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    as_undertow = config.new_client_from_config(config_file=token_config)
    try:
        core = client.CoreV1Api(as_undertow)
        rbac_api = client.RbacAuthorizationV1Api(as_undertow)
        attempts = {
            "delete node": lambda: core.delete_node(node),
            "list secrets": core.list_secret_for_all_namespaces,
            "list clusterroles": rbac_api.list_cluster_role,
        }
        for what, attempt in attempts.items():
            with pytest.raises(ApiException) as refused:
                attempt()
            assert refused.value.status == 403, what
        assert core.list_node().items  # the token does work
    finally:
        as_undertow.close()


def test_service_account_holds_its_heartbeat_lease(
    api_client: Any, kubeconfig: str, rbac: None, namespace: str, tmp_path: Path
) -> None:
    """With the `undertow` token a run creates, renews and deletes its Lease in the
    `undertow` namespace without a warning (kwok is enough: the test plugin only sleeps)."""
    from kubernetes import client

    token_config = str(_token_kubeconfig(api_client, kubeconfig, tmp_path / "token.kubeconfig"))
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: 4\n  outcome: pass\n  configmap_namespace: {namespace}\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        "undertow:\n  heartbeat: {interval: 1, grace: 5}\n"
    )
    run_id = str(uuid.uuid4())
    leases = client.CoordinationV1Api(api_client)
    args = ["run", "-c", str(config), "--run-id", run_id, "--kubeconfig", token_config]
    proc = subprocess.Popen(
        [sys.executable, "-m", "undertow", *args, "--versions-dir", str(tmp_path / "versions")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: leases.list_namespaced_lease(SA_NAMESPACE).items)
        (lease,) = leases.list_namespaced_lease(SA_NAMESPACE).items
        assert lease.metadata.name == f"undertow-run-{run_id}"
    finally:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert "Lease" not in out + err
    assert leases.list_namespaced_lease(SA_NAMESPACE).items == []


def test_job_manifests_are_accepted_by_the_api_server(api_client: Any, rbac: None) -> None:
    """deploy/job.yaml passes the API server's validation and admission (server-side dry
    run: nothing is created, and no undertow image is needed)."""
    docs = _documents(REPO / "deploy" / "job.yaml")
    assert [d["kind"] for d in docs] == ["ConfigMap", "PersistentVolumeClaim", "Job"]
    dyn = _dynamic(api_client)
    for doc in docs:
        resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        resource.create(body=doc, namespace=doc["metadata"]["namespace"], dry_run="All")
    job = docs[2]["spec"]["template"]["spec"]
    assert job["serviceAccountName"] == "undertow"
    config = yaml.safe_load(docs[0]["data"]["config.yaml"])
    listed = [f for group in config["scenarios"] for files in group.values() for f in files]
    assert set(listed) <= set(docs[0]["data"])  # every scenario file ships in the ConfigMap
