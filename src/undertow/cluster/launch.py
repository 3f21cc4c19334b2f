"""Start one component, record it in state.json, and wait until its health URL answers."""

from __future__ import annotations

import os
from pathlib import Path

from undertow.cluster import probes, procs
from undertow.cluster.components import Component
from undertow.cluster.state import ClusterState, ComponentRecord, StateDir, tail

DEADLINE_S = {"etcd": 30.0, "kube-apiserver": 120.0}
DEFAULT_DEADLINE_S = 60.0


def spawn(component: Component, state_dir: StateDir, state: ClusterState) -> None:
    """Start the component detached and save its pid in state.json at once."""
    for path, content in component.files.items():
        Path(path).write_text(content)
    log = state_dir.log(component.name)
    log.write_bytes(b"")
    pid = procs.spawn(
        component.argv, log, state_dir.pid_file(component.name), preexec=component.preexec
    )
    state.components.append(
        ComponentRecord(
            name=component.name,
            pid=pid,
            port=component.port,
            exe=os.path.realpath(component.argv[0]),
            health_url=component.health_url,
            expect=component.expect,
            verify_with_ca=component.verify_with_ca,
        )
    )
    state_dir.save(state)


def wait_healthy(component: Component, state_dir: StateDir, state: ClusterState, ca: Path) -> float:
    """Seconds until healthy; fails early (with the log's tail) when the process exits."""
    record = state.component(component.name)
    assert record is not None
    log = state_dir.log(component.name)

    def explain(reason: str) -> str:
        return f"{reason}. Last lines of {log}:\n{tail(log)}"

    return probes.wait_until(
        f"{component.name} (pid {record.pid}, port {component.port})",
        lambda: probes.healthy(
            component.health_url, component.expect, ca=ca if component.verify_with_ca else None
        ),
        deadline_s=DEADLINE_S.get(component.name, DEFAULT_DEADLINE_S),
        alive=lambda: procs.is_running(record.pid, record.exe),
        on_fail=explain,
    )
