"""`up`, `down` and `status` of a local cluster.

`up` either reuses a healthy cluster of that name, or cleans up what a killed one left behind
and starts a fresh one. If any step fails it stops every process it started and removes the
state (logs stay), so there is never a half-started cluster; the error names the component and
shows the tail of its log. A lock file serialises `up`/`down` of the same name.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from undertow.cluster import launch, probes, procs, realnode
from undertow.cluster import nodes as kwok_nodes
from undertow.cluster.build import Binaries, Progress, ensure_binaries
from undertow.cluster.components import Ports, plan, write_kubeconfig
from undertow.cluster.pki import create_pki
from undertow.cluster.ports import HOST, free_ports, port_in_use, require_free
from undertow.cluster.state import (
    DEFAULT_NAME,
    ClusterState,
    ComponentRecord,
    StateDir,
)
from undertow.errors import LocalClusterError

# Start in waves: each wave is started together, then waited for.
WAVES = (("etcd",), ("kube-apiserver",), ("kube-controller-manager", "kube-scheduler", "kwok"))
NODES_DEADLINE_S = 180.0


@dataclass(frozen=True)
class ClusterSpec:
    name: str = DEFAULT_NAME
    nodes: int = 3
    zones: int = 3
    real_nodes: int = 0  # 0 or 1: a real kubelet + containerd node (undertow.cluster.realnode)
    api_port: int = 0  # 0: any free port
    extra_args: Mapping[str, Sequence[str]] = field(default_factory=dict)
    state_root: Path | None = None
    cache_root: Path | None = None


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int
    port: int
    running: bool
    healthy: bool
    log: Path
    stopped: bool = False
    """Stopped by a signal (SIGSTOP), e.g. the real node's kubelet frozen by a kubelet stop:
    not answering now, yet not broken either (it resumes on SIGCONT)."""


@dataclass(frozen=True)
class ClusterInfo:
    name: str
    state_dir: Path
    kubeconfig: Path
    api_url: str
    nodes: int
    real_nodes: int
    components: tuple[ComponentStatus, ...]
    reused: bool = False
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return all(c.running and c.healthy for c in self.components)

    @property
    def pids(self) -> tuple[int, ...]:
        return tuple(c.pid for c in self.components)

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(c.port for c in self.components)


@contextlib.contextmanager
def _locked(state_dir: StateDir) -> Iterator[None]:
    state_dir.path.parent.mkdir(parents=True, exist_ok=True)
    lock = state_dir.path.parent / f".{state_dir.path.name}.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _component_status(state_dir: StateDir, record: ComponentRecord) -> ComponentStatus:
    running = procs.is_running(record.pid, record.exe)
    ca = state_dir.pki_dir / "ca.crt" if record.verify_with_ca else None
    healthy = running and probes.healthy(record.health_url, record.expect, ca=ca)
    stopped = running and not healthy and procs.stopped(record.pid)
    return ComponentStatus(
        record.name, record.pid, record.port, running, healthy, state_dir.log(record.name), stopped
    )


def _info(
    state_dir: StateDir,
    state: ClusterState,
    *,
    reused: bool = False,
    timings: Mapping[str, float] | None = None,
) -> ClusterInfo:
    return ClusterInfo(
        name=state.name,
        state_dir=state_dir.path,
        kubeconfig=state_dir.kubeconfig,
        api_url=f"https://{HOST}:{state.api_port}",
        nodes=state.nodes,
        real_nodes=0 if state.real_node is None else 1,
        components=tuple(_component_status(state_dir, c) for c in state.components),
        reused=reused,
        timings=dict(timings or {}),
    )


def status(name: str = DEFAULT_NAME, *, state_root: Path | None = None) -> ClusterInfo | None:
    """The cluster's components with pid, port and health; None when no state exists."""
    state_dir = StateDir.for_name(name, state_root)
    state = state_dir.load()
    return None if state is None else _info(state_dir, state)


def _stop_all(state: ClusterState) -> None:
    for record in reversed(state.components):
        procs.stop(record.pid, record.exe)


def _wait_ports_closed(ports: Sequence[int], deadline_s: float = 10.0) -> None:
    started = time.monotonic()
    while True:
        busy = [p for p in ports if port_in_use(p)]
        if not busy:
            return
        if time.monotonic() - started > deadline_s:
            raise LocalClusterError(f"ports {busy} still listen after the cluster was stopped")
        time.sleep(0.1)


def _api_up(state_dir: StateDir, state: ClusterState) -> bool:
    record = state.component("kube-apiserver")
    return record is not None and _component_status(state_dir, record).healthy


def down(
    name: str = DEFAULT_NAME,
    *,
    state_root: Path | None = None,
    progress: Progress = lambda _m: None,
) -> bool:
    """Stop every component (reverse order) and remove the state but the logs.

    Returns False if there was nothing to stop.
    """
    state_dir = StateDir.for_name(name, state_root)
    with _locked(state_dir):
        state = state_dir.load()
        if state is None:
            state_dir.wipe()
            return False
        progress(f"stopping cluster {name!r}")
        try:
            realnode.detach(state_dir, state, progress, api_up=_api_up(state_dir, state))
        finally:
            _stop_all(state)
        _wait_ports_closed([c.port for c in state.components])
        state_dir.wipe()
        return True


def detach_real_node(
    name: str = DEFAULT_NAME,
    *,
    state_root: Path | None = None,
    progress: Progress = lambda _m: None,
) -> bool:
    """Remove the cluster's real node (the control plane and kwok nodes stay).

    Returns False if the cluster has none.
    """
    state_dir = StateDir.for_name(name, state_root)
    with _locked(state_dir):
        state = state_dir.load()
        if state is None or state.real_node is None:
            return False
        realnode.detach(state_dir, state, progress, api_up=_api_up(state_dir, state))
        return True


def up(spec: ClusterSpec, progress: Progress = lambda _m: None) -> ClusterInfo:
    """Start the cluster (building the binaries first if needed), or reuse a healthy one."""
    if spec.nodes < 1 or spec.zones < 1:
        raise LocalClusterError("a local cluster needs at least one node and one zone")
    if spec.real_nodes not in (0, 1):
        raise LocalClusterError("a local cluster has 0 or 1 real nodes (one per host)")
    if spec.real_nodes:
        realnode.host.preflight()
    state_dir = StateDir.for_name(spec.name, spec.state_root)
    with _locked(state_dir):
        existing = state_dir.load()
        if existing is not None:
            info = _info(state_dir, existing, reused=True)
            broken = [c.name for c in info.components if not c.healthy and not c.stopped]
            if existing.ready and not broken:
                progress(f"cluster {spec.name!r} is already running ({info.api_url}); reusing it")
                if paused := [c.name for c in info.components if c.stopped]:
                    # A frozen kubelet (node_scenarios' kubelet stop) is chaos, not a broken
                    # cluster: wiping the cluster would end every other user's run on it.
                    progress(f"  stopped by a signal, left as they are: {', '.join(paused)}")
                if (existing.nodes, existing.zones) != (spec.nodes, spec.zones):
                    progress(
                        f"  it has {existing.nodes} nodes in {existing.zones} zones; "
                        "run `undertow cluster down` first to change that"
                    )
                if spec.real_nodes and existing.real_node is None:
                    binaries = ensure_binaries(progress, root=spec.cache_root)
                    timings = realnode.attach(state_dir, existing, binaries, progress)
                    return _info(state_dir, existing, reused=True, timings=timings)
                return info
            broken = broken or ["start-up"]
            progress(
                f"found stale state of cluster {spec.name!r} in {state_dir.path} "
                f"(unhealthy: {', '.join(broken)}); cleaning it up"
            )
            try:
                realnode.detach(state_dir, existing, progress, api_up=False)
            finally:
                _stop_all(existing)
        state_dir.wipe()
        binaries = ensure_binaries(progress, root=spec.cache_root)
        try:
            return _start(spec, state_dir, binaries, progress)
        except LocalClusterError as exc:
            # Free ports are picked before the components bind them; another process may take
            # one in between. Only then, and only for picked ports, try once more.
            if spec.api_port or "address already in use" not in str(exc):
                raise
            progress("a picked port was taken meanwhile; starting again on other ports")
            return _start(spec, state_dir, binaries, progress)


def _start(
    spec: ClusterSpec, state_dir: StateDir, binaries: Binaries, progress: Progress
) -> ClusterInfo:
    started = time.monotonic()
    timings: dict[str, float] = {}
    if spec.api_port:
        require_free(spec.api_port, "kube-apiserver")
        api_port, *others = [spec.api_port, *free_ports(5)]
    else:
        api_port, *others = free_ports(6)
    ports = Ports(
        etcd=others[0],
        etcd_peer=others[1],
        apiserver=api_port,
        controller_manager=others[2],
        scheduler=others[3],
        kwok=others[4],
    )
    state_dir.prepare()
    pki = create_pki(state_dir.pki_dir)
    write_kubeconfig(state_dir, pki, api_port)
    state = ClusterState(
        name=spec.name,
        nodes=spec.nodes,
        zones=spec.zones,
        api_port=api_port,
        binaries=str(binaries.root),
    )
    state_dir.save(state)
    components = {c.name: c for c in plan(binaries, state_dir, pki, ports, spec.extra_args)}
    progress(f"starting cluster {spec.name!r} in {state_dir.path}")
    try:
        for wave in WAVES:
            for name in wave:
                launch.spawn(components[name], state_dir, state)
            for name in wave:
                timings[name] = launch.wait_healthy(components[name], state_dir, state, pki.ca_cert)
                progress(
                    f"  {name} healthy on port {components[name].port} "
                    f"({time.monotonic() - started:.1f}s)"
                )
        kwok_nodes.create_nodes(state_dir.kubeconfig, spec.nodes, spec.zones)
        timings["nodes"] = kwok_nodes.wait_nodes_ready(
            state_dir.kubeconfig, spec.nodes, NODES_DEADLINE_S
        )
        timings["default-serviceaccount"] = kwok_nodes.wait_default_service_account(
            state_dir.kubeconfig, launch.DEFAULT_DEADLINE_S
        )
        if spec.real_nodes:
            timings.update(realnode.attach(state_dir, state, binaries, progress))
    except BaseException:
        progress(f"start-up of cluster {spec.name!r} failed: stopping what was started")
        _stop_all(state)
        state_dir.wipe()
        raise
    state.ready = True
    state_dir.save(state)
    timings["total"] = time.monotonic() - started
    progress(
        f"cluster {spec.name!r} ready with {spec.nodes} kwok nodes"
        f"{' and 1 real node' if spec.real_nodes else ''} in {timings['total']:.1f}s; "
        f"kubeconfig: {state_dir.kubeconfig}"
    )
    return _info(state_dir, state, timings=timings)
