"""What a real node needs from the host, and how it is given back exactly.

Everything here changes host state, so every step has its undo beside it, and every undo is
idempotent (safe after a crash, safe to run twice):

- the bridge `undertow0` with 198.18.0.1/24, a guard route that keeps the whole 198.18.0.0/15
  range (pods, kwok's fake pod IPs, Service IPs) on the bridge, forwarding on that bridge only
  (never `net.ipv4.ip_forward`), and an nftables table that drops anything the pods send to
  another interface: no packet from a pod leaves the machine;
- a shared bind mount of the kubelet's root dir (volumes kubelet mounts in its own mount
  namespace must reach containerd in the host's);
- kubelet's own mount namespace, where it sees the kernel settings it insists on
  (`protectKernelDefaults`) through read-only bind mounts, while the host's stay untouched;
- the `kubepods` cgroups kubelet creates in every hierarchy.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from undertow.cluster.state import mounts_under
from undertow.errors import LocalClusterError

BRIDGE = "undertow0"
GATEWAY = "198.18.0.1"
POD_CIDR = "198.18.0.0/24"
GUARD_ROUTE = "198.18.0.0/15"  # pods, kwok's fake pod IPs and Service IPs: never routed out
GUARD_TABLE = "undertow_guard"
CNI_DIR = Path("/usr/lib/cni")
CGROUP_ROOT = Path("/sys/fs/cgroup")

APT_PACKAGES = (
    "containerd",
    "runc",
    "containernetworking-plugins",
    "busybox-static",
    "nftables",
    "iproute2",
    "stress-ng",
    "hping3",
    "python3",
)
# What each package gives the node; a missing one names the package to install.
REQUIRED = {
    "containerd": "containerd",
    "ctr": "containerd",
    "containerd-shim-runc-v2": "containerd",
    "runc": "runc",
    "nft": "nftables",
    "busybox": "busybox-static",
    "ip": "iproute2",
    "tc": "iproute2",
    "stress-ng": "stress-ng",
    "python3.11": "python3",
    "fallocate": "util-linux",
    "ldd": "libc-bin",
    "mount": "mount",
    "umount": "mount",
}
CNI_PLUGINS = ("bridge", "host-local", "loopback", "portmap")

# The values kubelet wants for these kernel settings (it would write them with
# protectKernelDefaults off); the host keeps its own.
KUBELET_SYSCTLS = {
    "vm/overcommit_memory": "1",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
}
# kube-controller-manager's hostPath provisioner creates every volume below this fixed path.
# The node mounts a tmpfs of its own there, so volumes have a size (Krkn's PVC fill reads `df`)
# and filling one never fills the host's disk.
VOLUMES_DIR = Path("/tmp/hostpath_pv")  # noqa: S108 - fixed in kube-controller-manager
VOLUMES_SIZE = "1g"

# Paths outside the node's dir that its programs create and that no setting moves
# (the volumes' tmpfs, containerd 1.6's shim sockets, libcni's cache, kubelet's log symlinks
# and its device-plugin socket, whose path is fixed in kubelet).
HOST_PATHS = (
    str(VOLUMES_DIR),
    "/run/containerd",
    "/var/lib/cni",
    "/var/log/containers",
    "/var/log/pods",
    "/var/lib/kubelet",
)

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18


def preflight() -> None:
    """Root, the Debian packages and the CNI plugins: say exactly what is missing."""
    problems = []
    if os.geteuid() != 0:
        problems.append("a real node needs root (bridges, mounts, cgroups, containerd)")
    missing = sorted({pkg for cmd, pkg in REQUIRED.items() if shutil.which(cmd) is None})
    if any(not (CNI_DIR / plugin).is_file() for plugin in CNI_PLUGINS):
        missing.append("containernetworking-plugins")
    if missing:
        problems.append(
            f"missing packages: {', '.join(sorted(set(missing)))}. Install them with: "
            f"apt-get install -y --no-install-recommends {' '.join(APT_PACKAGES)}"
        )
    if problems:
        raise LocalClusterError("cannot start a real node: " + "; ".join(problems))


def run(argv: Sequence[str], *, check: bool = True, input_text: str | None = None) -> str:
    """Run a host command; a failure names the command and what it printed."""
    try:
        done = subprocess.run(
            list(argv),
            input=input_text,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise LocalClusterError(f"`{' '.join(argv)}` could not run: {exc}") from exc
    if check and done.returncode != 0:
        raise LocalClusterError(
            f"`{' '.join(argv)}` failed (exit {done.returncode}): {done.stderr.strip()}"
        )
    return done.stdout


def bridge_exists() -> bool:
    return Path(f"/sys/class/net/{BRIDGE}").exists()


def setup_network() -> None:
    run(["ip", "link", "add", BRIDGE, "type", "bridge"])
    run(["ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE])
    run(["ip", "link", "set", BRIDGE, "up"])
    run(["ip", "route", "add", GUARD_ROUTE, "dev", BRIDGE])
    Path(f"/proc/sys/net/ipv4/conf/{BRIDGE}/forwarding").write_text("1\n")
    run(
        ["nft", "-f", "-"],
        input_text=(
            f"table inet {GUARD_TABLE} {{\n"
            "  chain forward {\n"
            "    type filter hook forward priority 0; policy accept;\n"
            f'    iifname "{BRIDGE}" oifname != "{BRIDGE}" drop\n'
            "  }\n"
            "}\n"
        ),
    )


def teardown_network() -> None:
    """Deleting the bridge drops its address, routes and per-bridge sysctls with it."""
    if bridge_exists():
        run(["ip", "link", "del", BRIDGE])
    for family, table in (("inet", GUARD_TABLE), ("ip", "kube-proxy"), ("ip6", "kube-proxy")):
        run(["nft", "delete", "table", family, table], check=False)


def mount_volumes_tmpfs() -> None:
    VOLUMES_DIR.mkdir(mode=0o755, exist_ok=True)
    if mounts_under(VOLUMES_DIR):
        raise LocalClusterError(f"{VOLUMES_DIR} is already a mount point: another node uses it")
    run(["mount", "-t", "tmpfs", "-o", f"size={VOLUMES_SIZE},mode=0755", "tmpfs", str(VOLUMES_DIR)])


def unmount_volumes_tmpfs() -> None:
    """The tmpfs is the node's (one real node per host): unmount it even if the dir stays."""
    unmount_under(VOLUMES_DIR)


def make_shared_mount(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    run(["mount", "--bind", str(path), str(path)])
    run(["mount", "--make-shared", str(path)])


def unmount_under(path: Path) -> None:
    """Unmount everything at or below `path`, deepest first (lazily when busy)."""
    for point in mounts_under(path):
        run(["umount", point], check=False)
        if point in mounts_under(path):
            run(["umount", "-l", point], check=False)
    left = mounts_under(path)
    if left:
        raise LocalClusterError(f"could not unmount {', '.join(left)}")


def remove_cgroups(name: str = "kubepods") -> list[str]:
    """rmdir every `<hierarchy>/.../kubepods*` cgroup, children first; returns what is left."""
    left: list[str] = []
    for hierarchy in CGROUP_ROOT.iterdir() if CGROUP_ROOT.is_dir() else ():
        top = hierarchy / name
        if not top.is_dir() or top.is_symlink():
            continue
        for current, dirs, _files in os.walk(top, topdown=False):
            for d in dirs:
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(current, d))
        with contextlib.suppress(OSError):
            top.rmdir()
        if top.exists():
            left.append(str(top))
    return left


def absent_host_paths() -> list[str]:
    """Which of HOST_PATHS do not exist yet (the node may create them; then it removes them)."""
    return [p for p in HOST_PATHS if not os.path.lexists(p)]


def remove_host_paths(paths: Sequence[str]) -> None:
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            unmount_under(Path(path))
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            os.unlink(path)


def kubelet_namespace(sysctl_dir: Path) -> Callable[[], None]:
    """A preexec hook: enter a new mount namespace and show kubelet its kernel settings there.

    `sysctl_dir` holds one file per KUBELET_SYSCTLS entry. /proc is made private in the new
    namespace first, so the bind mounts never propagate to the host; the kubelet root dir keeps
    its shared propagation (it was made shared on the host).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    overrides: Mapping[bytes, bytes] = {
        f"/proc/sys/{key}".encode(): str(sysctl_dir / key.replace("/", "_")).encode()
        for key in KUBELET_SYSCTLS
    }

    def check(result: int, what: str) -> None:
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    def enter() -> None:
        check(libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        check(libc.mount(None, b"/proc", None, _MS_REC | _MS_PRIVATE, None), "private /proc")
        for target, source in overrides.items():
            check(libc.mount(source, target, None, _MS_BIND, None), f"bind {target!r}")
            flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY
            check(libc.mount(None, target, None, flags, None), f"read-only {target!r}")

    return enter


def write_sysctl_files(sysctl_dir: Path) -> None:
    sysctl_dir.mkdir(parents=True, exist_ok=True)
    for key, value in KUBELET_SYSCTLS.items():
        (sysctl_dir / key.replace("/", "_")).write_text(f"{value}\n")
