"""pvc_scenarios' pure parts: reading df, sizing the fill (and refusing one the volume cannot
take), the write command; and the undo's refusal of a file name undertow never writes."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from undertow.errors import ScenarioError
from undertow.scenarios.pvc.volume import Usage, bytes_to_fill, fill_command, parse_df
from undertow.undo.files import remove_file, restore_node_files
from undertow.undo.guards import Refused
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
