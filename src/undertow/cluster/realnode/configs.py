"""The real node's configuration files: containerd, the CNI network, kubelet, kube-proxy.

Every path points into the node's dir, every listener is on loopback or the bridge address, and
the settings that would touch the host beyond the node are turned off (see REASONS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from undertow.cluster import images
from undertow.cluster.components import SERVICE_CIDR
from undertow.cluster.pki import NodePki
from undertow.cluster.ports import HOST
from undertow.cluster.realnode.host import BRIDGE, CNI_DIR, GATEWAY, POD_CIDR

KUBELET_PORT = 10250  # on the bridge address only: one real node per host
REAL_NODE_LABEL = "undertow.io/real-node"
# Only pods that ask for the real node run there: the cluster's other pods (the tests', the
# demo's) name images no registry serves and belong on the kwok nodes.
REAL_NODE_TAINT = {"key": REAL_NODE_LABEL, "value": "true", "effect": "NoSchedule"}


@dataclass(frozen=True)
class NodePaths:
    root: Path

    @property
    def containerd(self) -> Path:
        return self.root / "containerd"

    @property
    def socket(self) -> Path:
        return self.containerd / "containerd.sock"

    @property
    def kubelet_root(self) -> Path:
        return self.root / "kubelet"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def cni_conf(self) -> Path:
        return self.root / "cni" / "net.d"

    @property
    def cni_ipam(self) -> Path:
        return self.root / "cni" / "ipam"

    @property
    def sysctl(self) -> Path:
        return self.root / "sysctl"

    @property
    def images(self) -> Path:
        return self.root / "images"

    def file(self, name: str) -> Path:
        return self.root / name


def containerd_toml(paths: NodePaths, metrics_port: int) -> str:
    c = paths.containerd
    cri = '[plugins."io.containerd.grpc.v1.cri"]'
    return f"""version = 2
root = "{c / "root"}"
state = "{c / "state"}"
oom_score = 0
[grpc]
  address = "{paths.socket}"
[ttrpc]
  address = "{paths.socket}.ttrpc"
[metrics]
  address = "{HOST}:{metrics_port}"
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "{c / "opt"}"
  {cri}
    sandbox_image = "{images.PAUSE}"
    stream_server_address = "{HOST}"
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    # runc cannot lower oom_score_adj without CAP_SYS_RESOURCE (absent in some VMs)
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "{c / "runc"}"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "{CNI_DIR}"
      conf_dir = "{paths.cni_conf}"
      max_conf_num = 1
"""


def cni_conflist(paths: NodePaths) -> str:
    """A bridge the node made itself (not a gateway: the host's ip_forward stays off)."""
    network = {
        "cniVersion": "1.0.0",
        "name": "undertow",
        "plugins": [
            {
                "type": "bridge",
                "bridge": BRIDGE,
                "isGateway": False,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_CIDR, "gateway": GATEWAY}]],
                    # Services only: pods have no default route, nothing leaves the machine.
                    "routes": [{"dst": SERVICE_CIDR, "gw": GATEWAY}],
                    "dataDir": str(paths.cni_ipam),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return json.dumps(network, indent=2) + "\n"


def kubelet_config(paths: NodePaths, node_pki: NodePki, ca: Path, healthz_port: int) -> str:
    endpoint = f"unix://{paths.socket}"
    config: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "failCgroupV1": False,
        "cgroupDriver": "cgroupfs",
        "failSwapOn": False,
        "containerRuntimeEndpoint": endpoint,
        "imageServiceEndpoint": endpoint,
        "address": GATEWAY,
        "port": KUBELET_PORT,
        "readOnlyPort": 0,
        "healthzBindAddress": HOST,
        "healthzPort": healthz_port,
        "tlsCertFile": str(node_pki.cert("kubelet-serving")),
        "tlsPrivateKeyFile": str(node_pki.key("kubelet-serving")),
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True, "cacheTTL": "30s"},
            "x509": {"clientCAFile": str(ca)},
        },
        "authorization": {"mode": "Webhook"},
        "resolvConf": str(paths.file("resolv.conf")),
        # Refuse to change kernel settings: kubelet sees the values it wants in its own mount
        # namespace (host.kubelet_namespace), the host keeps its own.
        "protectKernelDefaults": True,
        # No KUBE-FIREWALL / canary chains in the host's iptables.
        "makeIPTablesUtilChains": False,
        "podLogsDir": str(paths.root / "pod-logs"),
        "volumePluginDir": str(paths.root / "volume-plugins"),
        "registerWithTaints": [REAL_NODE_TAINT],
        "maxPods": 30,
        "nodeStatusUpdateFrequency": "10s",
        "syncFrequency": "10s",
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
            "nodefs.inodesFree": "1%",
        },
        "containerLogMaxSize": "1Mi",
        "containerLogMaxFiles": 2,
    }
    return json.dumps(config, indent=2) + "\n"


def kube_proxy_config(paths: NodePaths, node: str, healthz_port: int, metrics_port: int) -> str:
    config = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "nftables",
        "clientConnection": {"kubeconfig": str(paths.file("kube-proxy.kubeconfig"))},
        "hostnameOverride": node,
        "healthzBindAddress": f"{HOST}:{healthz_port}",
        "metricsBindAddress": f"{HOST}:{metrics_port}",
        "clusterCIDR": POD_CIDR,
        "detectLocalMode": "ClusterCIDR",
        "nodePortAddresses": [f"{GATEWAY}/32"],
        # Leave the host's conntrack settings alone.
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
            "udpTimeout": "0s",
            "udpStreamTimeout": "0s",
        },
    }
    return json.dumps(config, indent=2) + "\n"
