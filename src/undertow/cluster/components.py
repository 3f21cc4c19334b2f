"""The command line of each component, and how to tell it is healthy.

Flags follow kwokctl's binary runtime, with two loopback-only changes: the API server advertises
127.0.0.1 and runs no endpoint reconciler (a loopback address is invalid in Endpoints), and every
listener binds 127.0.0.1. The control plane is the same with or without a real node
(`undertow.cluster.realnode`): the API server always has its kubelet client flags and kwok only
manages the nodes labelled `type=kwok`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from undertow.cluster.build import Binaries
from undertow.cluster.pki import Pki
from undertow.cluster.ports import HOST
from undertow.cluster.state import StateDir

ORDER = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
# Every address the cluster hands out is in 198.18.0.0/15 (RFC 2544 benchmarking, never routed):
# the real node's pods take 198.18.0.0/24, kwok's fake pods 198.18.128.0/17, Services 198.19/16.
KWOK_POD_CIDR = "198.18.128.0/17"
SERVICE_CIDR = "198.19.0.0/16"
# Enough client throughput for thousands of pods (the defaults are qps 20 for the controllers).
CLIENT_QPS, CLIENT_BURST = 200, 400
NODE_LEASE_S = 40
# kwok stage configs: kwokctl's defaults (node init, lease heartbeat, pod lifecycle) plus the
# label-triggered chaos stages (node NotReady, container failure).
KWOK_STAGES = (
    "fast",
    "node/chaos/node-not-ready.yaml",
    "pod/chaos/pod-container-running-failed.yaml",
)


AUDIT_POLICY = {
    "apiVersion": "audit.k8s.io/v1",
    "kind": "Policy",
    "omitStages": ["RequestReceived"],
    "rules": [
        {
            "level": "None",
            "resources": [{"group": "coordination.k8s.io", "resources": ["leases"]}],
            "namespaces": ["kube-node-lease"],
        },
        {"level": "Metadata", "verbs": ["create", "update", "patch", "delete", "deletecollection"]},
        {"level": "None"},
    ],
}
"""Who changed what: every mutating request at Metadata level (user, user agent, verb, object,
response code), without the node heartbeats; reads are not logged."""
AUDIT_LOG_MAX_MB = 100


def audit_log(state: StateDir) -> Path:
    """The API server's audit log (JSON lines; one rotated copy is kept beside it)."""
    return state.path / "logs" / "audit.log"


@dataclass(frozen=True)
class Ports:
    etcd: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok: int


@dataclass(frozen=True)
class Component:
    name: str
    argv: tuple[str, ...]
    port: int
    health_url: str
    expect: str
    verify_with_ca: bool = False
    files: Mapping[str, str] = field(default_factory=dict)  # extra files to write before start
    preexec: Callable[[], None] | None = None  # runs in the child before exec (namespaces)


def kubeconfig_text(api_port: int, ca: Path, cert: Path, key: Path) -> str:
    """A kubeconfig with a client certificate (JSON is valid YAML for every client)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "local",
                "cluster": {
                    "server": f"https://{HOST}:{api_port}",
                    "certificate-authority": str(ca),
                },
            }
        ],
        "users": [
            {"name": "user", "user": {"client-certificate": str(cert), "client-key": str(key)}}
        ],
        "contexts": [{"name": "local", "context": {"cluster": "local", "user": "user"}}],
        "current-context": "local",
    }
    return json.dumps(config, indent=2) + "\n"


def write_kubeconfig(state: StateDir, pki: Pki, api_port: int) -> Path:
    """The admin kubeconfig, shared by all components and the tests."""
    state.kubeconfig.write_text(kubeconfig_text(api_port, pki.ca_cert, pki.cert, pki.key))
    state.kubeconfig.chmod(0o600)
    return state.kubeconfig


def plan(
    binaries: Binaries,
    state: StateDir,
    pki: Pki,
    ports: Ports,
    extra_args: Mapping[str, Sequence[str]] | None = None,
) -> list[Component]:
    """Every component in start order."""
    extra = extra_args or {}
    kubeconfig = str(state.kubeconfig)
    etcd_url = f"http://{HOST}:{ports.etcd}"
    peer_url = f"http://{HOST}:{ports.etcd_peer}"
    sched_config = state.path / "kube-scheduler.json"
    audit_policy = state.path / "audit-policy.json"
    sched = {
        "apiVersion": "kubescheduler.config.k8s.io/v1",
        "kind": "KubeSchedulerConfiguration",
        "clientConnection": {"kubeconfig": kubeconfig, "qps": CLIENT_QPS, "burst": CLIENT_BURST},
        "leaderElection": {"leaderElect": False},
    }
    argv: dict[str, list[str]] = {
        "etcd": [
            str(binaries.path("etcd")),
            "--name=n0",
            f"--data-dir={state.etcd_dir}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=n0={peer_url}",
            "--unsafe-no-fsync=true",
            "--auto-compaction-retention=1",
            "--quota-backend-bytes=8589934592",
            "--log-level=warn",
        ],
        "kube-apiserver": [
            str(binaries.path("kube-apiserver")),
            f"--etcd-servers={etcd_url}",
            f"--bind-address={HOST}",
            f"--secure-port={ports.apiserver}",
            f"--advertise-address={HOST}",
            "--endpoint-reconciler-type=none",
            f"--tls-cert-file={pki.cert}",
            f"--tls-private-key-file={pki.key}",
            f"--client-ca-file={pki.ca_cert}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=Node,RBAC",
            # exec/logs/port-forward reach a real node's kubelet with the admin cert, and the
            # kubelet's serving cert is verified against the cluster CA (kwok ignores these).
            f"--kubelet-client-certificate={pki.cert}",
            f"--kubelet-client-key={pki.key}",
            f"--kubelet-certificate-authority={pki.ca_cert}",
            "--kubelet-preferred-address-types=InternalIP",
            "--allow-privileged=true",
            "--default-not-ready-toleration-seconds=30",
            "--default-unreachable-toleration-seconds=30",
            "--profiling=false",
            f"--audit-policy-file={audit_policy}",
            f"--audit-log-path={audit_log(state)}",
            f"--audit-log-maxsize={AUDIT_LOG_MAX_MB}",
            "--audit-log-maxbackup=1",
            "--v=1",
        ],
        "kube-controller-manager": [
            str(binaries.path("kube-controller-manager")),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            f"--bind-address={HOST}",
            f"--secure-port={ports.controller_manager}",
            "--leader-elect=false",
            "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
            f"--root-ca-file={pki.ca_cert}",
            f"--service-account-private-key-file={pki.sa_key}",
            f"--cluster-signing-cert-file={pki.ca_cert}",
            f"--cluster-signing-key-file={pki.ca_key}",
            # It creates its FlexVolume plugin dir: keep it in the state dir, not /usr/libexec.
            f"--flex-volume-plugin-dir={state.path / 'flexvolume'}",
            # Dynamic hostPath volumes (/tmp/hostpath_pv/<uuid>) for the real node's default
            # StorageClass; it only acts for classes naming kubernetes.io/host-path.
            "--enable-hostpath-provisioner=true",
            "--node-monitor-period=5s",
            f"--node-monitor-grace-period={NODE_LEASE_S}s",
            f"--kube-api-qps={CLIENT_QPS}",
            f"--kube-api-burst={CLIENT_BURST}",
            "--v=1",
        ],
        "kube-scheduler": [
            str(binaries.path("kube-scheduler")),
            f"--config={sched_config}",
            f"--bind-address={HOST}",
            f"--secure-port={ports.scheduler}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--v=1",
        ],
        "kwok": [
            str(binaries.path("kwok")),
            f"--kubeconfig={kubeconfig}",
            # Only its own nodes: a real node (kubelet) lives beside the fake ones.
            "--manage-nodes-with-label-selector=type=kwok",
            *(f"--config={binaries.stages_dir / stage}" for stage in KWOK_STAGES),
            f"--node-lease-duration-seconds={NODE_LEASE_S}",
            f"--cidr={KWOK_POD_CIDR}",
            f"--node-ip={HOST}",
            "--node-name=localhost",
            f"--server-address={HOST}:{ports.kwok}",
        ],
    }
    health = {
        "etcd": (ports.etcd, f"{etcd_url}/health", '"health":"true"', False),
        "kube-apiserver": (ports.apiserver, f"https://{HOST}:{ports.apiserver}/readyz", "ok", True),
        "kube-controller-manager": (
            ports.controller_manager,
            f"https://{HOST}:{ports.controller_manager}/healthz",
            "ok",
            False,
        ),
        "kube-scheduler": (
            ports.scheduler,
            f"https://{HOST}:{ports.scheduler}/healthz",
            "ok",
            False,
        ),
        "kwok": (ports.kwok, f"http://{HOST}:{ports.kwok}/healthz", "ok", False),
    }
    components = []
    for name in ORDER:
        port, url, expect, with_ca = health[name]
        files = {
            "kube-scheduler": {str(sched_config): json.dumps(sched, indent=2)},
            "kube-apiserver": {str(audit_policy): json.dumps(AUDIT_POLICY, indent=2)},
        }.get(name, {})
        components.append(
            Component(
                name=name,
                argv=(*argv[name], *extra.get(name, ())),
                port=port,
                health_url=url,
                expect=expect,
                verify_with_ca=with_ca,
                files=files,
            )
        )
    return components
