"""The cluster's state dir: where its pki, etcd data, logs, kubeconfig and state.json live.

    <state root>/<name>/
      state.json        ports, pids, binaries: what `status`/`down` need (saved after each start)
      kubeconfig        admin kubeconfig (absolute paths)
      pki/ etcd/        certificates and keys; etcd's data
      logs/<component>.log, run/<component>.pid

`down` removes everything but logs/, so the logs of the last run stay readable.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from undertow.errors import LocalClusterError

DEFAULT_NAME = "undertow"
STATE_FILE = "state.json"


@dataclass
class ComponentRecord:
    name: str
    pid: int
    port: int
    exe: str  # resolved binary path: /proc/<pid>/exe must match it
    health_url: str
    expect: str  # substring of a healthy response body
    verify_with_ca: bool  # check the serving cert against the cluster CA


@dataclass
class RealNodeRecord:
    """A real node attached to the cluster, and the host state it found (to restore exactly)."""

    name: str
    dir: str  # <state dir>/node: containerd, kubelet, CNI state, certs, configs
    # Host paths the node's programs create outside its dir (containerd's shim sockets, libcni's
    # cache...) that did not exist before it started: removed when the node goes.
    created_paths: list[str] = field(default_factory=list)


@dataclass
class ClusterState:
    name: str
    nodes: int
    zones: int
    api_port: int
    binaries: str
    components: list[ComponentRecord] = field(default_factory=list)
    ready: bool = False
    real_node: RealNodeRecord | None = None

    def component(self, name: str) -> ComponentRecord | None:
        return next((c for c in self.components if c.name == name), None)

    def drop_components(self, names: Sequence[str]) -> list[ComponentRecord]:
        """Remove the named components from the state; returns them."""
        dropped = [c for c in self.components if c.name in names]
        self.components = [c for c in self.components if c.name not in names]
        return dropped


def state_root() -> Path:
    """UNDERTOW_CLUSTER_DIR, else $XDG_STATE_HOME/undertow/clusters, else ~/.local/state/..."""
    explicit = os.environ.get("UNDERTOW_CLUSTER_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "undertow" / "clusters"


@dataclass(frozen=True)
class StateDir:
    path: Path

    @classmethod
    def for_name(cls, name: str, root: Path | None = None) -> StateDir:
        if not name or "/" in name or name.startswith("."):
            raise LocalClusterError(f"invalid cluster name {name!r}")
        return cls((root or state_root()) / name)

    @property
    def kubeconfig(self) -> Path:
        return self.path / "kubeconfig"

    @property
    def pki_dir(self) -> Path:
        return self.path / "pki"

    @property
    def etcd_dir(self) -> Path:
        return self.path / "etcd"

    def log(self, component: str) -> Path:
        return self.path / "logs" / f"{component}.log"

    def pid_file(self, component: str) -> Path:
        return self.path / "run" / f"{component}.pid"

    def prepare(self) -> None:
        for sub in ("logs", "run"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        self.path.chmod(0o700)

    def load(self) -> ClusterState | None:
        file = self.path / STATE_FILE
        if not file.is_file():
            return None
        try:
            raw = json.loads(file.read_text())
            raw["components"] = [ComponentRecord(**c) for c in raw.get("components", [])]
            if raw.get("real_node") is not None:
                raw["real_node"] = RealNodeRecord(**raw["real_node"])
            return ClusterState(**raw)
        except (ValueError, TypeError) as exc:
            raise LocalClusterError(f"{file} is unreadable ({exc}); remove {self.path}") from exc

    def save(self, state: ClusterState) -> None:
        tmp = self.path / f".{STATE_FILE}.tmp"
        tmp.write_text(json.dumps(asdict(state), indent=2) + "\n")
        os.replace(tmp, self.path / STATE_FILE)

    def wipe(self) -> None:
        """Remove everything but logs/ (kept for post-mortems; the next start overwrites them).

        Refuses while anything is still mounted below the state dir (a real node's volumes):
        removing files through a bind mount would delete what it points at.
        """
        if not self.path.exists():
            return
        mounted = mounts_under(self.path)
        if mounted:
            raise LocalClusterError(
                f"not removing {self.path}: still mounted below it: {', '.join(mounted)}"
            )
        for entry in self.path.iterdir():
            if entry.name == "logs":
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` (from /proc/self/mountinfo), deepest first."""
    root = os.path.realpath(path)
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        point = line.split()[4].encode().decode("unicode_escape")
        if point == root or point.startswith(root + "/"):
            found.append(point)
    return sorted(set(found), key=len, reverse=True)


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    last = text.splitlines()[-lines:]
    return "\n".join(f"    {line}" for line in last) if last else f"(empty log {path})"
