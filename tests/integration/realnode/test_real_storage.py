"""pvc_scenarios on the real node, proven by its effect: a PVC bound to a hostPath PV on a
size-limited tmpfs (so the percentage means something) is filled to the percentage asked,
seen by `df` in the pod and by the host, and afterwards holds what it held before. A run
killed with SIGKILL while the file is there leaves its version file; `rollback execute`
removes exactly that file.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from real_pods import bound_claim, create_ready, exec_in, real_pod, wait_for
from test_real_faults import UndertowRun

from undertow.rollback import directory

SIZE_MIB = 8


def used_percent(path: Path) -> float:
    """The file system's usage as df counts it: used / (used + available)."""
    st = os.statvfs(path)
    used = (st.f_blocks - st.f_bfree) * st.f_frsize
    return 100.0 * used / (used + st.f_bavail * st.f_frsize)


def fill_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith("undertow-fill-"))


@contextlib.contextmanager
def tmpfs_claim(core: Any, namespace: str, tmp_path: Path) -> Iterator[Path]:
    """A PVC `data` bound to a hostPath PV on an 8 MiB tmpfs of the host (which holds a 1 MiB
    file of the workload's); the namespace, then the PV, removed afterwards."""
    host_dir = tmp_path / "volume"
    host_dir.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE_MIB}m,mode=0777", "undertow-pvc", host_dir],
        check=True,
    )
    pv = f"undertow-test-{uuid.uuid4().hex[:8]}"
    try:
        (host_dir / "workload.bin").write_bytes(b"\1" * 1024 * 1024)
        core.create_persistent_volume(
            {
                "metadata": {"name": pv},
                "spec": {
                    "capacity": {"storage": f"{SIZE_MIB}Mi"},
                    "accessModes": ["ReadWriteOnce"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "storageClassName": pv,
                    "hostPath": {"path": str(host_dir), "type": "Directory"},
                    "claimRef": {"namespace": namespace, "name": "data"},
                },
            }
        )
        bound_claim(core, namespace, pv, f"{SIZE_MIB}Mi")
        yield host_dir
    finally:
        core.delete_namespace(namespace)
        wait_for(
            "the pod gone",
            lambda: not core.list_namespaced_pod(namespace).items,
        )
        core.delete_persistent_volume(pv)
        subprocess.run(["umount", host_dir], check=True)


def mounting_data(name: str, command: list[str]) -> dict[str, Any]:
    """A pod for the real node that mounts the claim `data` at /data."""
    pod = real_pod(name, command)
    pod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    return pod


@pytest.fixture
def small_volume(core: Any, namespace: str, tmp_path: Path) -> Iterator[Path]:
    """The tmpfs claim `data`, mounted at /data by the Running pod `app`."""
    with tmpfs_claim(core, namespace, tmp_path) as host_dir:
        create_ready(core, mounting_data("app", ["sleep", "3600"]), namespace)
        yield host_dir


@pytest.fixture
def deployed_volume(
    api_client: Any, core: Any, namespace: str, tmp_path: Path
) -> Iterator[tuple[Path, Any]]:
    """The tmpfs claim `data`, mounted at /data by the one pod of the Deployment `app`; also
    an AppsV1Api."""
    from kubernetes import client

    apps = client.AppsV1Api(api_client)
    with tmpfs_claim(core, namespace, tmp_path) as host_dir:
        template = mounting_data("app", ["sleep", "3600"])
        del template["apiVersion"], template["kind"], template["metadata"]["name"]
        apps.create_namespaced_deployment(
            namespace,
            {
                "metadata": {"name": "app"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": {"app": "app"}},
                    "template": template,
                },
            },
        )
        wait_for("the app pod Ready", lambda: ready_pods(core, namespace))
        yield host_dir, apps


def ready_pods(core: Any, namespace: str) -> list[str]:
    return [
        p.metadata.name
        for p in core.list_namespaced_pod(namespace).items
        if any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
    ]


def start(tmp_path: Path, kubeconfig: str, body: dict[str, Any]) -> UndertowRun:
    (tmp_path / "run").mkdir()
    return UndertowRun(tmp_path / "run", kubeconfig, "pvc_scenarios", body)


def scenario(namespace: str, percentage: int, duration: int) -> dict[str, Any]:
    return {
        "pvc_scenario": {
            "pvc_name": "data",
            "namespace": namespace,
            "fill_percentage": percentage,
            "duration": duration,
        }
    }


def test_a_pvc_is_filled_to_the_percentage_then_left_as_it_was(
    small_volume: Path, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    before = used_percent(small_volume)
    assert 10 < before < 20  # the workload's 1 MiB of 8
    run = start(tmp_path, kubeconfig, scenario(namespace, 70, 4))
    try:
        # The file shows as soon as it is opened: wait for the space, not for the name.
        wait_for(
            "the volume filled",
            lambda: used_percent(small_volume) >= 69 or run.proc.poll() is not None,
        )
        seen = fill_files(small_volume)
        during = used_percent(small_volume)
    finally:
        report = run.finish()
    assert 69 <= during <= 71, during
    [filled] = [e for e in report["events"] if e["kind"] == "pvc.filled"]
    assert filled["data"]["file"] == f"/data/{seen[0]}"
    assert 69 <= filled["data"]["percent"] <= 71
    assert fill_files(small_volume) == []
    assert used_percent(small_volume) == before
    assert (small_volume / "workload.bin").stat().st_size == 1024 * 1024
    assert not list((tmp_path / "run").glob("versions/*/*.py"))


def test_a_killed_fill_is_removed_by_rollback(
    small_volume: Path, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    before = used_percent(small_volume)
    run = start(tmp_path, kubeconfig, scenario(namespace, 60, 120))
    run.kill_when(lambda: fill_files(small_volume) and used_percent(small_volume) >= 59)
    [listed] = directory.list_runs(run.versions)
    [entry] = listed.pending
    [name] = fill_files(small_volume)
    assert entry.undo == f"remove {name} from PVC {namespace}/data"
    assert run.rollback() == "rollback: 1 restored\n"
    assert fill_files(small_volume) == []
    assert used_percent(small_volume) == before


def test_a_fill_the_volume_cannot_take_changes_nothing(
    small_volume: Path, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    """Already above the target: the scenario fails before writing, no version file."""
    run = start(tmp_path, kubeconfig, scenario(namespace, 5, 1))
    assert run.proc.wait(timeout=120) == 1, run.output()
    report = json.loads((tmp_path / "run" / "reports" / "report.json").read_text())
    [failed] = report["scenarios"]
    assert "not below the fill_percentage 5%: nothing to fill" in failed["error"], failed
    assert fill_files(small_volume) == []
    assert not list((tmp_path / "run").glob("versions/*/*.py"))


def test_a_killed_fill_is_removed_by_a_helper_pod_once_no_pod_mounts_the_claim(
    deployed_volume: tuple[Path, Any], core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    """The Deployment scaled to 0 and its pod deleted: `rollback execute` mounts the claim
    in a helper pod of its own on the volume's node, removes exactly the file, and leaves
    no pod behind; a fresh pod then sees the volume as it was."""
    volume, apps = deployed_volume
    before = used_percent(volume)
    run = start(tmp_path, kubeconfig, scenario(namespace, 60, 120))
    run.kill_when(lambda: fill_files(volume) and used_percent(volume) >= 59)
    assert len(fill_files(volume)) == 1
    apps.patch_namespaced_deployment_scale("app", namespace, {"spec": {"replicas": 0}})
    for pod in core.list_namespaced_pod(namespace).items:
        core.delete_namespaced_pod(pod.metadata.name, namespace, grace_period_seconds=0)
    wait_for("no pod left", lambda: not core.list_namespaced_pod(namespace).items)

    assert run.rollback() == "rollback: 1 restored\n"
    assert not core.list_namespaced_pod(namespace).items  # the helper is gone too
    assert fill_files(volume) == [] and used_percent(volume) == before

    create_ready(core, mounting_data("fresh", ["sleep", "3600"]), namespace)
    seen = exec_in(
        core, "fresh", namespace, ["sh", "-c", "ls -A /data; wc -c < /data/workload.bin"]
    )
    assert seen.split() == ["workload.bin", str(1024 * 1024)], seen
    assert not list((tmp_path / "run").glob("versions/*/*.py"))
