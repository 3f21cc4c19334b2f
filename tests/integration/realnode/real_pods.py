"""Pods on the real node, and what the host sees of them (runc state, cgroups)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from undertow.cluster import StateDir, images, realnode

T = TypeVar("T")
DEADLINE_S = 120.0


def real_pod(
    name: str,
    command: Sequence[str],
    *,
    labels: dict[str, str] | None = None,
    cpu_limit: str = "500m",
    memory_limit: str = "32Mi",
    port: int | None = None,
    image: str = images.BUSYBOX,
) -> dict[str, Any]:
    """A pod that asks for the real node (its label and a toleration of its taint)."""
    container: dict[str, Any] = {
        "name": "main",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": list(command),
        "resources": {
            "requests": {"cpu": "50m", "memory": "8Mi"},
            "limits": {"cpu": cpu_limit, "memory": memory_limit},
        },
    }
    if port is not None:
        container["ports"] = [{"containerPort": port, "name": "http"}]
        container["readinessProbe"] = {
            "tcpSocket": {"port": port},
            "periodSeconds": 1,
        }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": {
            "nodeSelector": {realnode.REAL_NODE_LABEL: "true"},
            "tolerations": [{"key": realnode.REAL_NODE_LABEL, "operator": "Exists"}],
            "terminationGracePeriodSeconds": 1,
            "containers": [container],
        },
    }


def wait_for(what: str, probe: Callable[[], T | None], deadline_s: float = DEADLINE_S) -> T:
    """Poll until `probe` returns something truthy; fail with `what` at the deadline."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {deadline_s:.0f}s")
        time.sleep(0.2)


def ready(core: Any, name: str, namespace: str) -> Any:
    """The pod once it is Running and Ready, else None."""
    pod = core.read_namespaced_pod(name, namespace)
    conditions = pod.status.conditions or []
    ok = any(c.type == "Ready" and c.status == "True" for c in conditions)
    return pod if ok else None


def create_ready(core: Any, manifest: dict[str, Any], namespace: str) -> Any:
    core.create_namespaced_pod(namespace, manifest)
    name = manifest["metadata"]["name"]
    return wait_for(f"pod {name} Ready", lambda: ready(core, name, namespace))


def node_dir(kubeconfig: str) -> Path:
    state = StateDir(Path(kubeconfig).parent).load()
    assert state is not None and state.real_node is not None
    return Path(state.real_node.dir)


def container_host_pid(kubeconfig: str, pod: Any) -> int:
    """The host pid of the pod's first container, from runc's own state."""
    container_id = pod.status.container_statuses[0].container_id.removeprefix("containerd://")
    root = node_dir(kubeconfig) / "containerd" / "runc" / "k8s.io"
    out = subprocess.run(
        ["runc", "--root", str(root), "state", container_id],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    pid: int = json.loads(out)["pid"]
    return pid


def exec_in(core: Any, pod: str, namespace: str, command: list[str]) -> str:
    """Run `command` in the pod through the API server and the kubelet; stdout + stderr."""
    from kubernetes.stream import stream

    session = stream(
        core.connect_get_namespaced_pod_exec,
        pod,
        namespace,
        command=command,
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    try:
        session.run_forever(timeout=60)
        out: str = session.read_all()
    finally:
        session.close()
        # websocket-client skips closing the socket once the server has closed the stream.
        session.sock.shutdown()
    return out


def bound_claim(core: Any, namespace: str, pv: str, size: str) -> None:
    """Create the PersistentVolumeClaim `data` bound to the PersistentVolume `pv` (whose
    storage class has its name)."""
    spec = {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": pv,
        "volumeName": pv,
        "resources": {"requests": {"storage": size}},
    }
    core.create_namespaced_persistent_volume_claim(
        namespace, {"metadata": {"name": "data"}, "spec": spec}
    )
