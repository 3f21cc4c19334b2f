"""One real worker node beside the kwok nodes: containerd + runc + CNI bridge, kubelet, kube-proxy.

`attach` starts it as three more components of the cluster (pids, logs and health URLs in
state.json, shown by `cluster status`), and registers the node `real-node-0`, labelled and
tainted `undertow.io/real-node=true:NoSchedule` so only pods that ask for it run there. It
publishes `kube-public/undertow-defaults` so that `undertow run` creates its own pods (the
hijacker, helpers) from the locally built images, on the real node, with no config change. `detach`
takes every trace away again: pods (so kubelet unmounts volumes and releases their network),
processes, containers, mounts, the bridge, nftables tables, cgroups and the runtime dirs the
node created. Both are idempotent; `detach` works from what state.json recorded, also after a
crash. One real node per host: the bridge, the pod range and the kubelet port are fixed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from undertow.cluster import images, launch, probes, procs
from undertow.cluster import nodes as kwok_nodes
from undertow.cluster.build import Binaries, Progress
from undertow.cluster.components import Component, kubeconfig_text
from undertow.cluster.pki import Pki, mint_node_pki
from undertow.cluster.ports import HOST, free_ports
from undertow.cluster.realnode import configs, host
from undertow.cluster.realnode.configs import REAL_NODE_LABEL, REAL_NODE_TAINT, NodePaths
from undertow.cluster.state import ClusterState, RealNodeRecord, StateDir
from undertow.cluster.vegeta import ensure_vegeta
from undertow.config.helper_pods import DEFAULTS_NAME, DEFAULTS_NAMESPACE, HelperPods
from undertow.errors import LocalClusterError

__all__ = ["NODE_NAME", "REAL_NODE_LABEL", "REAL_NODE_TAINT", "attach", "detach"]

NODE_NAME = "real-node-0"
COMPONENTS = ("containerd", "kubelet", "kube-proxy", "api-forward")
API_FORWARD_PORT = 6443  # on the bridge address: pods reach the API server here
NODE_READY_DEADLINE_S = 90.0
POD_DRAIN_DEADLINE_S = 90.0


def attach(
    state_dir: StateDir, state: ClusterState, binaries: Binaries, progress: Progress
) -> dict[str, float]:
    """Start the real node; on any failure take back everything it did, then raise."""
    if state.real_node is not None:
        return {}
    host.preflight()
    if host.bridge_exists():
        raise LocalClusterError(
            f"bridge {host.BRIDGE} already exists: another undertow cluster on this host has "
            "the real node (there is one per host). Stop it with `undertow cluster down --name "
            f"<that cluster>`, or remove a leftover with `ip link del {host.BRIDGE}`"
        )
    paths = NodePaths(state_dir.path / "node")
    # Recorded before the host is touched: `detach` (now or after a crash) undoes from this.
    state.real_node = RealNodeRecord(
        name=NODE_NAME, dir=str(paths.root), created_paths=host.absent_host_paths()
    )
    state_dir.save(state)
    try:
        return _start(state_dir, state, binaries, paths, progress)
    except BaseException:
        progress("the real node did not start: removing what it set up")
        detach(state_dir, state, progress, api_up=True)
        raise


def _start(
    state_dir: StateDir,
    state: ClusterState,
    binaries: Binaries,
    paths: NodePaths,
    progress: Progress,
) -> dict[str, float]:
    started = time.monotonic()
    timings: dict[str, float] = {}
    pki = Pki(state_dir.pki_dir)
    for sub in (paths.containerd, paths.cni_conf, paths.cni_ipam, paths.kubelet_root):
        sub.mkdir(parents=True, exist_ok=True)
    paths.root.chmod(0o700)
    node_pki = mint_node_pki(pki, paths.pki, NODE_NAME, host.GATEWAY)
    metrics_port, kubelet_healthz, proxy_healthz, proxy_metrics = free_ports(4)
    paths.file("resolv.conf").write_text(f"nameserver {host.GATEWAY}\n")
    paths.cni_conf.joinpath("10-undertow.conflist").write_text(configs.cni_conflist(paths))
    for name, user in (("kubelet", "kubelet-client"), ("kube-proxy", "kube-proxy")):
        paths.file(f"{name}.kubeconfig").write_text(
            kubeconfig_text(state.api_port, pki.ca_cert, node_pki.cert(user), node_pki.key(user))
        )
    host.write_sysctl_files(paths.sysctl)

    host.setup_network()
    host.make_shared_mount(paths.kubelet_root)
    host.mount_volumes_tmpfs()
    progress(f"  real node: bridge {host.BRIDGE} {host.GATEWAY}/24, guards in place")

    containerd = Component(
        name="containerd",
        argv=(_which("containerd"), f"--config={paths.file('containerd.toml')}"),
        port=metrics_port,
        health_url=f"http://{HOST}:{metrics_port}/v1/metrics",
        expect="containerd_build_info",
        files={str(paths.file("containerd.toml")): configs.containerd_toml(paths, metrics_port)},
    )
    timings["containerd"] = _launch(containerd, state_dir, state, pki)
    _import(paths, images.default_images(ensure_vegeta(progress)), progress)

    kubelet = Component(
        name="kubelet",
        argv=(
            str(binaries.path("kubelet")),
            f"--config={paths.file('kubelet.json')}",
            f"--kubeconfig={paths.file('kubelet.kubeconfig')}",
            f"--root-dir={paths.kubelet_root}",
            f"--hostname-override={NODE_NAME}",
            f"--node-ip={host.GATEWAY}",
            f"--node-labels={REAL_NODE_LABEL}=true",
            "--v=1",
        ),
        port=kubelet_healthz,
        health_url=f"http://{HOST}:{kubelet_healthz}/healthz",
        expect="ok",
        files={
            str(paths.file("kubelet.json")): configs.kubelet_config(
                paths, node_pki, pki.ca_cert, kubelet_healthz
            )
        },
        preexec=host.kubelet_namespace(paths.sysctl),
    )
    timings["kubelet"] = _launch(kubelet, state_dir, state, pki)
    timings["node-ready"] = _wait_node_ready(state_dir)
    progress(f"  real node: {NODE_NAME} Ready ({time.monotonic() - started:.1f}s)")

    proxy = Component(
        name="kube-proxy",
        argv=(
            str(binaries.path("kube-proxy")),
            f"--config={paths.file('kube-proxy.json')}",
            "--v=1",
        ),
        port=proxy_healthz,
        health_url=f"http://{HOST}:{proxy_healthz}/healthz",
        expect="lastUpdated",
        files={
            str(paths.file("kube-proxy.json")): configs.kube_proxy_config(
                paths, NODE_NAME, proxy_healthz, proxy_metrics
            )
        },
    )
    timings["kube-proxy"] = _launch(proxy, state_dir, state, pki)
    forward = Component(
        name="api-forward",
        argv=(
            sys.executable,  # the venv's interpreter (its realpath is checked as the exe)
            "-m",
            "undertow.cluster.realnode.forward",
            f"{host.GATEWAY}:{API_FORWARD_PORT}",
            f"{HOST}:{state.api_port}",
        ),
        port=API_FORWARD_PORT,
        health_url=f"https://{host.GATEWAY}:{API_FORWARD_PORT}/readyz",
        expect="ok",
        verify_with_ca=True,
    )
    timings["api-forward"] = _launch(forward, state_dir, state, pki)
    _register(state_dir)
    timings["real-node"] = time.monotonic() - started
    return timings


def helper_defaults() -> HelperPods:
    """What undertow runs its own pods with on this cluster: local images, on the real node."""
    return HelperPods(
        images={
            "python": images.PYTHON,
            "quay.io/krkn-chaos/krkn-service-hijacking": images.PYTHON,
            "quay.io/krkn-chaos/krkn-hog": images.TOOLS,
            "quay.io/krkn-chaos/krkn": images.TOOLS,
            "quay.io/krkn-chaos/krkn-hub-multiarch": images.TOOLS,
            "quay.io/krkn-chaos/krkn-http-load": images.TOOLS,
            "quay.io/krkn-chaos/krkn-network-chaos": images.TOOLS,
            "busybox": images.BUSYBOX,
        },
        node_selector={REAL_NODE_LABEL: "true"},
        tolerations=({"key": REAL_NODE_LABEL, "operator": "Exists", "effect": "NoSchedule"},),
    )


STORAGE_CLASS = "standard"
KUBERNETES_SLICE = "kubernetes-real-node"


def _defaults_config_map() -> dict[str, Any]:
    """kube-public/undertow-defaults: `undertow run` picks these up without a config change."""
    return {
        "metadata": {"name": DEFAULTS_NAME, "namespace": DEFAULTS_NAMESPACE},
        "data": helper_defaults().config_map_data(),
    }


def _kubernetes_slice() -> dict[str, Any]:
    """An EndpointSlice for default/kubernetes at the forwarder, so in-cluster config works.

    The API server keeps no endpoints of its own (it advertises a loopback address).
    """
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": KUBERNETES_SLICE,
            "namespace": "default",
            "labels": {
                "kubernetes.io/service-name": "kubernetes",
                "endpointslice.kubernetes.io/managed-by": "local-cluster.undertow.io",
            },
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [host.GATEWAY], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": API_FORWARD_PORT, "protocol": "TCP"}],
    }


def _storage_class() -> dict[str, Any]:
    """The default StorageClass (kind's name): hostPath volumes on the node's tmpfs."""
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": STORAGE_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": "kubernetes.io/host-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
    }


def _register(state_dir: StateDir) -> None:
    """The cluster objects that go with the node (removed again by `_unregister`).

    An EndpointSlice or StorageClass already there is kept; the defaults are replaced, since
    they name this node's images.
    """
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    def create(what: str, call: Callable[[], object], on_conflict: Callable[[], object]) -> None:
        try:
            call()
        except ApiException as exc:
            if exc.status != 409:
                raise LocalClusterError(f"creating {what}: {exc.reason}") from exc
            on_conflict()

    slice_, defaults, storage_class = _kubernetes_slice(), _defaults_config_map(), _storage_class()
    with kwok_nodes.api_client(state_dir.kubeconfig) as api:
        core: Any = client.CoreV1Api(api)
        discovery: Any = client.DiscoveryV1Api(api)
        storage: Any = client.StorageV1Api(api)
        create(
            f"EndpointSlice {KUBERNETES_SLICE}",
            lambda: discovery.create_namespaced_endpoint_slice("default", slice_),
            lambda: None,
        )
        create(
            f"ConfigMap {DEFAULTS_NAME}",
            lambda: core.create_namespaced_config_map(DEFAULTS_NAMESPACE, defaults),
            lambda: core.replace_namespaced_config_map(DEFAULTS_NAME, DEFAULTS_NAMESPACE, defaults),
        )
        create(
            f"StorageClass {STORAGE_CLASS}",
            lambda: storage.create_storage_class(storage_class),
            lambda: None,
        )


def import_images(state_dir: StateDir, wanted: list[images.Image], progress: Progress) -> None:
    """Build `wanted` and import them into the cluster's real node (which must be running),
    then publish the helper-pod defaults again: they map scenario images to these."""
    state = state_dir.load()
    if state is None or state.real_node is None:
        raise LocalClusterError(
            f"cluster {state_dir.path.name!r} has no real node: "
            "start one with `undertow cluster up --real-nodes 1`"
        )
    _import(NodePaths(Path(state.real_node.dir)), wanted, progress)
    _register(state_dir)


def _import(paths: NodePaths, wanted: list[images.Image], progress: Progress) -> None:
    for ref, tar in images.write_archives(wanted, paths.images).items():
        _ctr(paths, "images", "import", str(tar))
        tar.unlink()
        progress(f"  real node: image {ref} imported")


def _launch(component: Component, state_dir: StateDir, state: ClusterState, pki: Pki) -> float:
    launch.spawn(component, state_dir, state)
    return launch.wait_healthy(component, state_dir, state, pki.ca_cert)


def _which(command: str) -> str:
    found = shutil.which(command)
    if found is None:
        host.preflight()
        raise LocalClusterError(f"{command} is not on PATH")
    return found


def _ctr(paths: NodePaths, *args: str, check: bool = True) -> str:
    return host.run(
        ["ctr", "--address", str(paths.socket), "--namespace", "k8s.io", *args], check=check
    )


def _wait_node_ready(state_dir: StateDir) -> float:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    def ready() -> bool:
        try:
            with kwok_nodes.api_client(state_dir.kubeconfig) as api:
                node = client.CoreV1Api(api).read_node(NODE_NAME)
        except ApiException:
            return False
        return kwok_nodes.node_ready(node)

    kubelet_log = state_dir.log("kubelet")
    return probes.wait_until(
        f"node {NODE_NAME}",
        ready,
        deadline_s=NODE_READY_DEADLINE_S,
        on_fail=lambda reason: f"{reason}; see {kubelet_log}",
    )


def detach(state_dir: StateDir, state: ClusterState, progress: Progress, *, api_up: bool) -> None:
    """Remove the real node and everything it put on the host; a no-op without one."""
    record = state.real_node
    if record is None:
        return
    paths = NodePaths(Path(record.dir))
    progress(f"  real node: removing {record.name}")
    kubelet = state.component("kubelet")
    if api_up and kubelet is not None and procs.is_running(kubelet.pid, kubelet.exe):
        _drain(state_dir, record.name, progress)
    forward = state.component("api-forward")
    if forward is not None:
        procs.stop(forward.pid, forward.exe)
    proxy = state.component("kube-proxy")
    if proxy is not None:
        procs.stop(proxy.pid, proxy.exe)
        config = paths.file("kube-proxy.json")
        if config.is_file():
            host.run([proxy.exe, "--cleanup", f"--config={config}"], check=False)
    if kubelet is not None:
        procs.stop(kubelet.pid, kubelet.exe)
    _remove_containers(paths)
    containerd = state.component("containerd")
    if containerd is not None:
        procs.stop(containerd.pid, containerd.exe)
    _kill_shims(paths)
    host.unmount_under(paths.root)
    host.unmount_volumes_tmpfs()
    host.teardown_network()
    left = host.remove_cgroups()
    if left:
        progress(f"  real node: cgroups still in use, left: {', '.join(left)}")
    host.remove_host_paths(record.created_paths)
    if api_up:
        _unregister(state_dir, record.name)
    state.drop_components(COMPONENTS)
    state.real_node = None
    state_dir.save(state)
    if paths.root.exists():
        shutil.rmtree(paths.root)


def _drain(state_dir: StateDir, node: str, progress: Progress) -> None:
    """Delete the node's pods and wait: kubelet then tears down their volumes and network."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    selector = f"spec.nodeName={node}"
    with kwok_nodes.api_client(state_dir.kubeconfig) as api:
        core: Any = client.CoreV1Api(api)
        for pod in core.list_pod_for_all_namespaces(field_selector=selector).items:
            with contextlib.suppress(ApiException):
                core.delete_namespaced_pod(
                    pod.metadata.name, pod.metadata.namespace, grace_period_seconds=1
                )
        deadline = time.monotonic() + POD_DRAIN_DEADLINE_S
        while time.monotonic() < deadline:
            left = core.list_pod_for_all_namespaces(field_selector=selector).items
            if not left:
                return
            time.sleep(0.5)
        progress(f"  real node: {len(left)} pods still terminating; removing them by force")


def _unregister(state_dir: StateDir, node: str) -> None:
    """Delete the Node object, the helper defaults that point at it and its StorageClass."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    with kwok_nodes.api_client(state_dir.kubeconfig) as api:
        core = client.CoreV1Api(api)
        with contextlib.suppress(ApiException, OSError):
            core.delete_node(node)
        with contextlib.suppress(ApiException, OSError):
            core.delete_namespaced_config_map(DEFAULTS_NAME, DEFAULTS_NAMESPACE)
        with contextlib.suppress(ApiException, OSError):
            client.StorageV1Api(api).delete_storage_class(STORAGE_CLASS)
        with contextlib.suppress(ApiException, OSError):
            client.DiscoveryV1Api(api).delete_namespaced_endpoint_slice(KUBERNETES_SLICE, "default")


def _remove_containers(paths: NodePaths) -> None:
    """Kill and delete every container of the node with runc itself: works with containerd gone."""
    root = paths.containerd / "runc" / "k8s.io"  # the runc root set in containerd.toml
    if not root.is_dir():
        return
    for entry in sorted(root.iterdir()):
        host.run(["runc", "--root", str(root), "delete", "--force", entry.name], check=False)


def _kill_shims(paths: NodePaths) -> None:
    """containerd's shims outlive it; ours are those started with our socket address."""
    address = str(paths.socket).encode()
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            argv = (pid_dir / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"containerd-shim-runc-v2") and address in argv:
            with contextlib.suppress(OSError):
                os.kill(int(pid_dir.name), signal.SIGKILL)
