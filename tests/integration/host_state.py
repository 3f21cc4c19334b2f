"""What a real node may change on the host, read in a comparable form.

Links, addresses, routes, the nftables ruleset, the mount table, the kernel settings kubelet
and kube-proxy would like to change, kubepods cgroups, the runtime dirs, and the node's
processes. Counters and lifetimes are dropped so two reads of an unchanged host are equal.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, fields
from pathlib import Path

SYSCTLS = (
    "net/ipv4/ip_forward",
    "net/ipv4/conf/all/forwarding",
    "net/ipv4/conf/default/forwarding",
    "net/ipv4/conf/all/accept_redirects",
    "net/ipv4/conf/all/route_localnet",
    "net/bridge/bridge-nf-call-iptables",
    "net/netfilter/nf_conntrack_max",
    "net/netfilter/nf_conntrack_tcp_timeout_established",
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
)
PATHS = (
    "/run/containerd",
    "/var/lib/cni",
    "/var/log/containers",
    "/var/log/pods",
    "/var/lib/kubelet",
    "/run/netns",
    "/etc/cni",
    "/usr/libexec/kubernetes",
)
NODE_PROGRAMS = ("kubelet", "kube-proxy", "containerd", "containerd-shim-runc-v2", "runc")
_LIFETIMES = re.compile(r"\s*(valid_lft|preferred_lft) \S+")


def _cmd(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30).stdout


def _sysctl(key: str) -> str:
    try:
        return Path("/proc/sys", key).read_text().strip()
    except OSError:
        return "(absent)"


def _node_processes() -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
        except OSError:
            continue
        if exe.removesuffix(" (deleted)") in NODE_PROGRAMS:
            found.append(exe)
    return sorted(found)


def _cgroups() -> list[str]:
    root = Path("/sys/fs/cgroup")
    return sorted(str(p) for p in root.glob("*/kubepods*")) + sorted(
        str(p) for p in root.glob("kubepods*")
    )


@dataclass(frozen=True)
class HostState:
    links: tuple[str, ...]
    addresses: tuple[str, ...]
    routes: tuple[str, ...]
    nft_ruleset: str
    mounts: tuple[str, ...]
    sysctls: tuple[tuple[str, str], ...]
    cgroups: tuple[str, ...]
    paths: tuple[str, ...]
    processes: tuple[str, ...]

    @classmethod
    def read(cls) -> HostState:
        links = tuple(
            re.sub(r"^\d+: ", "", line).split(" link/")[0]
            for line in _cmd("ip", "-o", "link", "show").splitlines()
        )
        addresses = tuple(
            _LIFETIMES.sub("", re.sub(r"^\d+: ", "", line))
            for line in _cmd("ip", "-o", "addr", "show").splitlines()
        )
        routes = tuple(sorted(_cmd("ip", "route", "show", "table", "all").splitlines()))
        mounts = tuple(
            sorted(
                " ".join((parts[4], parts[parts.index("-") + 1]))
                for parts in (
                    line.split() for line in Path("/proc/self/mountinfo").read_text().splitlines()
                )
            )
        )
        return cls(
            links=links,
            addresses=addresses,
            routes=routes,
            nft_ruleset=_cmd("nft", "list", "ruleset"),
            mounts=mounts,
            sysctls=tuple((key, _sysctl(key)) for key in SYSCTLS),
            cgroups=tuple(_cgroups()),
            paths=tuple(p for p in PATHS if os.path.lexists(p)),
            processes=tuple(_node_processes()),
        )

    def differences(self, other: HostState) -> dict[str, tuple[object, object]]:
        """Field -> (self, other) for every field that differs."""
        return {
            f.name: (getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        }
