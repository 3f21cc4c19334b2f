"""The local control plane really works: nodes, controllers, scheduler, kwok, RBAC, start/stop."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from typer.testing import CliRunner

from undertow import cluster
from undertow.cli.cluster import app as cluster_cli
from undertow.cluster import realnode
from undertow.cluster.nodes import kwok_node
from undertow.cluster.ports import HOST, port_in_use
from undertow.errors import LocalClusterError

ZONE = "topology.kubernetes.io/zone"


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.2)


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains `text` (e.g. a cluster's state dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture
def core(api_client: Any) -> Any:
    return client.CoreV1Api(api_client)


def running_pods(core: Any, namespace: str, selector: str) -> list[Any]:
    pods = core.list_namespaced_pod(namespace, label_selector=selector).items
    return [
        p for p in pods if p.status.phase == "Running" and p.metadata.deletion_timestamp is None
    ]


def test_nodes_are_ready_and_spread_over_zones(local_cluster: Any, core: Any) -> None:
    nodes = core.list_node(label_selector="type=kwok").items
    expected = local_cluster.info.nodes if local_cluster.owned else 3
    assert len(nodes) == expected
    for node in nodes:
        ready = [c for c in node.status.conditions if c.type == "Ready"]
        assert ready and ready[0].status == "True", node.metadata.name
        assert not [t for t in node.spec.taints or [] if "not-ready" in t.key]
    assert {n.metadata.labels[ZONE] for n in nodes} == {"zone-a", "zone-b", "zone-c"}


def test_deployment_runs_and_a_deleted_pod_is_replaced(
    api_client: Any, core: Any, namespace: str
) -> None:
    apps = client.AppsV1Api(api_client)
    labels = {"app": "web"}
    apps.create_namespaced_deployment(
        namespace,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            },
        },
    )
    wait_for("3 Running pods", lambda: len(running_pods(core, namespace, "app=web")) == 3)
    pods = running_pods(core, namespace, "app=web")
    assert {p.spec.node_name for p in pods} <= {f"kwok-node-{i}" for i in range(10)}
    assert all(p.status.pod_ip for p in pods)

    victim = pods[0].metadata.name
    core.delete_namespaced_pod(victim, namespace)

    def replaced() -> bool:
        names = {p.metadata.name for p in running_pods(core, namespace, "app=web")}
        return len(names) == 3 and victim not in names

    wait_for("a replacement pod Running", replaced)


def test_service_account_without_rights_is_forbidden(
    api_client: Any, core: Any, namespace: str
) -> None:
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "nobody"}})
    token = core.create_namespaced_service_account_token(
        "nobody", namespace, {"spec": {"expirationSeconds": 600}}
    ).status.token
    config = client.Configuration()
    config.host = api_client.configuration.host
    config.ssl_ca_cert = api_client.configuration.ssl_ca_cert
    config.api_key = {"authorization": f"Bearer {token}"}
    with client.ApiClient(config) as as_nobody:
        with pytest.raises(ApiException) as denied:
            client.CoreV1Api(as_nobody).list_namespaced_pod(namespace)
        assert denied.value.status == 403

        # The token itself is valid: granting the right makes the same call succeed.
        rbac = client.RbacAuthorizationV1Api(api_client)
        rbac.create_namespaced_role(
            namespace,
            {
                "metadata": {"name": "read-pods"},
                "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}],
            },
        )
        rbac.create_namespaced_role_binding(
            namespace,
            {
                "metadata": {"name": "nobody-reads-pods"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": "read-pods",
                },
                "subjects": [{"kind": "ServiceAccount", "name": "nobody", "namespace": namespace}],
            },
        )

        def allowed() -> bool:
            try:
                client.CoreV1Api(as_nobody).list_namespaced_pod(namespace)
            except ApiException as exc:
                assert exc.status == 403
                return False
            return True

        wait_for("the RoleBinding to take effect", allowed, timeout=20)


def test_node_not_ready_stage_drives_node_conditions(core: Any) -> None:
    """kwok's chaos stage flips Ready to False on a labelled node (a node of our own)."""
    name = f"kwok-probe-{os.getpid()}"
    core.create_node(
        kwok_node(name, "zone-probe", taints=[{"key": "undertow.io/probe", "effect": "NoSchedule"}])
    )

    def ready_status() -> str:
        conditions = core.read_node(name).status.conditions or []
        return next((c.status for c in conditions if c.type == "Ready"), "Unknown")

    try:
        wait_for("the probe node Ready", lambda: ready_status() == "True")
        core.patch_node(
            name, {"metadata": {"labels": {"node-not-ready.stage.kwok.x-k8s.io": "true"}}}
        )
        wait_for("the probe node NotReady", lambda: ready_status() == "False", timeout=30)
    finally:
        core.delete_node(name)


def test_status_shows_every_component(local_cluster: Any) -> None:
    if not local_cluster.owned:
        pytest.skip("the cluster under test was not started by this session")
    info = cluster.status(local_cluster.info.name)
    assert info is not None
    control_plane = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"]
    node = ["containerd", "kubelet", "kube-proxy", "api-forward"] if info.real_nodes else []
    assert [c.name for c in info.components] == control_plane + node
    assert info.healthy
    # Every component listens on loopback but the API forwarder, on the real node's bridge.
    hosts = {"api-forward": realnode.host.GATEWAY}
    assert all(c.pid > 0 and port_in_use(c.port, hosts.get(c.name, HOST)) for c in info.components)
    assert all(c.log.is_file() and c.log.stat().st_size > 0 for c in info.components)

    result = CliRunner().invoke(cluster_cli, ["status", "--name", info.name])
    assert result.exit_code == 0, result.output
    for component in info.components:
        assert str(component.pid) in result.output
        assert str(component.port) in result.output

    printed = CliRunner().invoke(cluster_cli, ["kubeconfig", "--name", info.name])
    assert printed.exit_code == 0
    assert printed.output.strip() == str(info.kubeconfig) == local_cluster.kubeconfig


def test_up_reuses_a_running_cluster(local_cluster: Any) -> None:
    if not local_cluster.owned:
        pytest.skip("the cluster under test was not started by this session")
    again = cluster.up(cluster.ClusterSpec(name=local_cluster.info.name))
    assert again.reused
    # The same processes (a real node, when attached meanwhile, comes after them).
    assert again.pids[: len(local_cluster.info.pids)] == local_cluster.info.pids


# --- start/stop and bad situations, on small clusters of their own -------------------------


@pytest.fixture
def scratch(local_cluster: Any, tmp_path: Path) -> Iterator[cluster.ClusterSpec]:
    """A one-node cluster spec with its own state root, always brought down afterwards."""
    spec = cluster.ClusterSpec(name="scratch", nodes=1, zones=1, state_root=tmp_path)
    try:
        yield spec
    finally:
        cluster.down(spec.name, state_root=tmp_path)
        assert processes_mentioning(str(tmp_path)) == []


def test_stale_state_is_cleaned_up_and_down_leaves_nothing(scratch: cluster.ClusterSpec) -> None:
    first = cluster.up(scratch)
    for pid in first.pids:  # what a crash, an OOM kill or a reboot leaves behind
        os.kill(pid, signal.SIGKILL)
    wait_for(
        "the killed components to die", lambda: not processes_mentioning(str(scratch.state_root))
    )
    stale = cluster.status(scratch.name, state_root=scratch.state_root)
    assert stale is not None and not any(c.running for c in stale.components)

    messages: list[str] = []
    second = cluster.up(scratch, progress=messages.append)
    assert not second.reused
    assert second.healthy
    assert any("stale state" in m for m in messages)

    assert cluster.down(scratch.name, state_root=scratch.state_root)
    assert processes_mentioning(str(scratch.state_root)) == []
    assert not [port for port in second.ports if port_in_use(port)]
    assert cluster.status(scratch.name, state_root=scratch.state_root) is None
    assert [p.name for p in second.state_dir.iterdir()] == ["logs"]


def test_a_component_that_fails_shows_its_log_and_nothing_is_left(
    scratch: cluster.ClusterSpec,
) -> None:
    broken = cluster.ClusterSpec(
        name=scratch.name,
        nodes=1,
        zones=1,
        state_root=scratch.state_root,
        extra_args={"kube-scheduler": ["--bogus-flag"]},
    )
    with pytest.raises(LocalClusterError) as failed:
        cluster.up(broken)
    message = str(failed.value)
    assert "kube-scheduler" in message
    assert "unknown flag: --bogus-flag" in message  # the tail of the scheduler's log
    assert processes_mentioning(str(scratch.state_root)) == []
    assert cluster.status(scratch.name, state_root=scratch.state_root) is None


def test_a_taken_port_is_a_clear_error(scratch: cluster.ClusterSpec) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        taken = cluster.ClusterSpec(
            name=scratch.name, nodes=1, zones=1, state_root=scratch.state_root, api_port=port
        )
        with pytest.raises(LocalClusterError, match=f"port {port} .* already in use"):
            cluster.up(taken)
    assert processes_mentioning(str(scratch.state_root)) == []
    assert cluster.status(scratch.name, state_root=scratch.state_root) is None


def test_a_port_taken_between_pick_and_bind_is_retried(
    scratch: cluster.ClusterSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    from undertow.cluster import control

    real_free_ports = control.free_ports
    picked: list[list[int]] = []
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]

        def racy(count: int) -> list[int]:
            ports = real_free_ports(count)
            if not picked:
                ports[1] = taken  # etcd's client port, taken by someone else before etcd binds
            picked.append(ports)
            return ports

        monkeypatch.setattr(control, "free_ports", racy)
        messages: list[str] = []
        info = cluster.up(scratch, progress=messages.append)
    assert info.healthy
    assert len(picked) == 2 and taken not in info.ports
    assert any("taken meanwhile" in m for m in messages)
