"""storage_throttle_scenarios on the real node (cgroup v1 here), proven by its effect: the
limits appear in the target container's blkio cgroup files for the volume's block device,
and afterwards the files hold exactly what they held before. A run killed with SIGKILL while
the limits are in place leaves its version files; `rollback execute` writes the values back
and removes the helper pod."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from real_pods import bound_claim, create_ready, real_pod, wait_for
from test_real_faults import UndertowRun, cgroup

from undertow.rollback import directory

FILES = ("read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device")


@pytest.fixture
def claimed_pod(core: Any, namespace: str, tmp_path: Path) -> Iterator[Any]:
    """The Running pod `app` mounting PVC `data` (a hostPath PV on this machine's disk)."""
    host_dir = tmp_path / "volume"
    host_dir.mkdir()
    pv = f"undertow-test-{uuid.uuid4().hex[:8]}"
    core.create_persistent_volume(
        {
            "metadata": {"name": pv},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": pv,
                "hostPath": {"path": str(host_dir), "type": "Directory"},
                "claimRef": {"namespace": namespace, "name": "data"},
            },
        }
    )
    try:
        bound_claim(core, namespace, pv, "1Gi")
        pod = real_pod("app", ["sleep", "3600"])
        pod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
        pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
        yield create_ready(core, pod, namespace)
    finally:
        core.delete_namespace(namespace)
        wait_for("the pods gone", lambda: not core.list_namespaced_pod(namespace).items)
        core.delete_persistent_volume(pv)


def limits(pod: Any) -> dict[str, str]:
    """The container's blkio throttle files, as the host sees them."""
    cid = pod.status.container_statuses[0].container_id.removeprefix("containerd://")
    where = cgroup("blkio", pod) / cid
    return {name: (where / f"blkio.throttle.{name}").read_text() for name in FILES}


def device(path: Path) -> str:
    st = os.stat(path)
    return f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"


def scenario(namespace: str, duration: int) -> dict[str, Any]:
    return {
        "storage_throttle_scenario": {
            "pvc_name": "data",
            "namespace": namespace,
            "throttle_type": "both",
            "read_bps": 1048576,
            "write_bps": 524288,
            "read_iops": 100,
            "write_iops": 50,
            "duration": duration,
        }
    }


def start(tmp_path: Path, kubeconfig: str, body: dict[str, Any]) -> UndertowRun:
    (tmp_path / "run").mkdir()
    return UndertowRun(tmp_path / "run", kubeconfig, "storage_throttle_scenarios", body)


def throttled(pod: Any, dev: str) -> dict[str, str] | None:
    now = limits(pod)
    return now if now["read_bps_device"].strip() == f"{dev} 1048576" else None


def test_the_limits_appear_in_the_cgroup_then_are_as_before(
    core: Any, claimed_pod: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    before, dev = limits(claimed_pod), device(tmp_path / "volume")
    run = start(tmp_path, kubeconfig, scenario(namespace, 6))
    try:
        during = wait_for(
            "the limits set",
            lambda: throttled(claimed_pod, dev) or (run.proc.poll() is not None and {}),
        )
    finally:
        report = run.finish()
    assert during == {
        "read_bps_device": f"{dev} 1048576\n",
        "write_bps_device": f"{dev} 524288\n",
        "read_iops_device": f"{dev} 100\n",
        "write_iops_device": f"{dev} 50\n",
    }
    assert limits(claimed_pod) == before
    assert [e["kind"] for e in report["events"] if e["kind"].startswith("io.")] == [
        "io.throttled",
        "io.restored",
    ]
    assert not list((tmp_path / "run").glob("versions/*/*.py"))


def test_a_killed_throttle_is_written_back_by_rollback(
    core: Any, claimed_pod: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    before, dev = limits(claimed_pod), device(tmp_path / "volume")
    run = start(tmp_path, kubeconfig, scenario(namespace, 300))
    run.kill_when(lambda: throttled(claimed_pod, dev))
    [listed] = directory.list_runs(run.versions)
    assert len(listed.pending) == 2  # the helper pod, the previous values
    assert limits(claimed_pod) != before  # the pod holds the limits for 300 s
    assert run.rollback() == "rollback: 2 restored\n"
    assert limits(claimed_pod) == before
    wait_for(
        "no helper pod left",
        lambda: not core.list_namespaced_pod(namespace, label_selector="undertow.io/fault").items,
    )
