"""pvc_scenarios' pure parts: reading df, sizing the fill (and refusing one the volume cannot
take), the write command; the undo's refusal of a file name undertow never writes, and the
helper pod it runs when no running pod mounts the claim any more (its manifest, its command's
exit codes)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from undertow.errors import ScenarioError
from undertow.scenarios.common.claims import Mount
from undertow.scenarios.pvc.plugin import record_writer
from undertow.scenarios.pvc.volume import Usage, bytes_to_fill, fill_command, parse_df
from undertow.undo.files import remove_file, restore_node_files
from undertow.undo.fill_helper import (
    ABSENT_EXIT,
    HELPER_MOUNT,
    REMOVE_SCRIPT,
    fill_helper_pod,
    remove_with_helper,
)
from undertow.undo.guards import Refused
from undertow.undo.outcome import UndoError
from undertow.undo.records import RemoveFile, RestoreNodeFiles

DF = (
    "Filesystem           1024-blocks    Used Available Capacity Mounted on\n"
    "undertow-pvc              8192      1024      7168  13% /data\n"
)


def test_df_gives_used_and_available_bytes() -> None:
    usage = parse_df(DF)
    assert usage == Usage(used=1024 * 1024, available=7168 * 1024)
    assert usage.percent == 12.5


def test_unreadable_df_output_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError, match="cannot read the volume's usage"):
        parse_df("df: /data: No such file or directory\n")


def test_the_fill_brings_usage_to_the_percentage() -> None:
    usage = Usage(used=1024 * 1024, available=7 * 1024 * 1024)
    size = bytes_to_fill(usage, 70)
    assert size == int(8 * 1024 * 1024 * 0.7) - 1024 * 1024
    assert Usage(usage.used + size, usage.available - size).percent == pytest.approx(70, abs=0.01)


@pytest.mark.parametrize("target", [12.5, 5])
def test_a_volume_already_at_the_target_is_refused(target: float) -> None:
    with pytest.raises(ScenarioError, match=r"already 12\.5% full"):
        bytes_to_fill(Usage(used=1024, available=7168), target)


def test_the_fill_command_writes_exactly_the_size(tmp_path: Path) -> None:
    """The same command, run by a local shell: fallocate where it works, else dd."""
    target = tmp_path / "undertow-fill-0123456789abcdef.tmp"
    subprocess.run(fill_command(str(target), 300_000, 4096), check=True, timeout=60)
    assert target.stat().st_size == 300_000


def test_the_dd_path_writes_whole_blocks_and_the_rest(tmp_path: Path) -> None:
    target = tmp_path / "f.tmp"
    command = fill_command(str(target), 10_000, 4096)
    command[2] = command[2].replace("fallocate", "false")  # as in an image without it
    subprocess.run(command, check=True, timeout=60, capture_output=True)
    assert target.stat().st_size == 10_000


class NoCluster:
    """A client that fails the test if an undo reaches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the undo reached the cluster ({name})")


TARGET = {
    "api_version": "v1",
    "kind": "PersistentVolumeClaim",
    "name": "data",
    "namespace": "db",
    "uid": "u",
}


@pytest.mark.parametrize("name", ["../etc/passwd", "kraken.tmp", "undertow-fill-x.tmp", "*"])
def test_the_undo_removes_only_a_file_name_undertow_writes(name: str) -> None:
    record: RemoveFile = {
        "action": "remove_file",
        "description": "",
        "target": TARGET,
        "pod": "db-0",
        "container": "db",
        "mount_path": "/data",
        "sub_path": "",
        "file": name,
    }
    with pytest.raises(Refused, match="is not a file name undertow writes"):
        remove_file(NoCluster(), record, False)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/etc/shadow", "x"),
        ("/host-cgroup/blkio/../../etc/blkio.throttle.read_bps_device", "8:0 0"),
        ("/host-cgroup/blkio/kubepods/pod1/c/blkio.throttle.read_bps_device", "8:0 0\n9:0 1"),
    ],
)
def test_the_undo_writes_back_only_cgroup_io_files(path: str, value: str) -> None:
    record: RestoreNodeFiles = {
        "action": "restore_node_files",
        "description": "",
        "target": {**TARGET, "kind": "Pod"},
        "container": "fault",
        "files": [{"path": path, "value": value}],
    }
    with pytest.raises(Refused):
        restore_node_files(NoCluster(), record, False)


WRITER_POD = {
    "metadata": {"name": "db-0", "namespace": "db"},
    "spec": {
        "nodeName": "worker-1",
        "tolerations": [{"key": "dedicated", "operator": "Exists"}],
        "imagePullSecrets": [{"name": "registry"}],
        "securityContext": {"fsGroup": 2000},
        "containers": [
            {"name": "sidecar", "image": "other:1"},
            {"name": "db", "image": "db:2", "securityContext": {"runAsUser": 999}},
        ],
    },
}


def fill_record(**extra: Any) -> RemoveFile:
    record: RemoveFile = {
        "action": "remove_file",
        "description": "",
        "target": TARGET,
        "run_id": "run-1",
        "pod": "db-0",
        "container": "db",
        "mount_path": "/var/lib/db",
        "sub_path": "pgdata",
        "file": "undertow-fill-0123456789abcdef.tmp",
    }
    record.update(extra)  # type: ignore[typeddict-item]
    return record


def test_the_fill_records_how_its_writer_runs() -> None:
    record = fill_record()
    mount = Mount(WRITER_POD, "data", "db", "/var/lib/db", "pgdata")
    record_writer(record, mount)
    assert (record["node"], record["image"]) == ("worker-1", "db:2")
    assert record["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
    assert record["image_pull_secrets"] == [{"name": "registry"}]
    assert record["security_context"] == {"runAsUser": 999}
    assert record["pod_security_context"] == {"fsGroup": 2000}


def test_the_helper_pod_mounts_the_claim_like_the_writer_and_removes_only_that_file() -> None:
    record = fill_record()
    record_writer(record, Mount(WRITER_POD, "data", "db", "/var/lib/db", "pgdata"))
    pod = fill_helper_pod(record, "db", "data", "worker-1")
    assert pod["metadata"]["name"] == "undertow-unfill-0123456789abcdef"
    assert pod["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "undertow",
        "undertow.io/run-id": "run-1",
    }
    spec = pod["spec"]
    assert (spec["restartPolicy"], spec["activeDeadlineSeconds"]) == ("Never", 60)
    assert spec["volumes"] == [{"name": "claim", "persistentVolumeClaim": {"claimName": "data"}}]
    [container] = spec["containers"]
    assert container["image"] == "db:2"
    assert container["command"][-1] == f"{HELPER_MOUNT}/undertow-fill-0123456789abcdef.tmp"
    assert container["volumeMounts"] == [
        {"name": "claim", "mountPath": HELPER_MOUNT, "subPath": "pgdata"}
    ]
    assert container["securityContext"] == {"runAsUser": 999}
    assert spec["securityContext"] == {"fsGroup": 2000}
    assert spec["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
    assert spec["imagePullSecrets"] == [{"name": "registry"}]
    [term] = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert term["matchFields"][0]["values"] == ["worker-1"]
    assert "affinity" not in fill_helper_pod(record, "db", "data", "")["spec"]


@pytest.mark.parametrize(("code", "removed"), [(0, True), (ABSENT_EXIT, False), (1, None)])
def test_the_helper_command_says_by_its_exit_code_what_it_did(
    tmp_path: Path, code: int, removed: bool | None
) -> None:
    target = tmp_path / "undertow-fill-0123456789abcdef.tmp"
    if code == 0:
        target.write_bytes(b"x")
    if code == 1:  # a directory of that name: rm -f cannot remove it
        target.mkdir()
    done = subprocess.run(["sh", "-c", REMOVE_SCRIPT, "-", str(target)], check=False)
    assert done.returncode == code
    assert target.exists() is (code == 1)


def test_an_older_record_without_the_writer_stays_pending_when_no_pod_mounts_the_claim() -> None:
    with pytest.raises(UndoError, match="no running pod mounts PVC db/data"):
        remove_with_helper(NoCluster(), fill_record(), "db", "data", dry_run=False)
