"""A real Kubernetes control plane on loopback, for the demo and the integration tests.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler are built from the pinned Go
modules under `tools/` (cached after the first build), and kwok plays the kubelets of N fake
nodes; `realnode` adds one real worker node (kubelet, containerd, kube-proxy). Test and demo
infrastructure only: the product core never imports this package.
"""

from undertow.cluster.build import Binaries, ensure_binaries
from undertow.cluster.control import (
    ClusterInfo,
    ClusterSpec,
    ComponentStatus,
    detach_real_node,
    down,
    status,
    up,
)
from undertow.cluster.state import DEFAULT_NAME, StateDir

__all__ = [
    "DEFAULT_NAME",
    "Binaries",
    "ClusterInfo",
    "ClusterSpec",
    "ComponentStatus",
    "StateDir",
    "detach_real_node",
    "down",
    "ensure_binaries",
    "status",
    "up",
]
