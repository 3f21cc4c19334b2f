"""storage_throttle_scenarios' pure parts: the volume's device from a mount table (a device
without a block device is refused), the limits per throttle type, the helper's arguments,
and the previous values it reports."""

from __future__ import annotations

import pytest

from undertow.errors import ScenarioError
from undertow.scenarios.storage_throttle.cgroup import (
    GO_TIMEOUT,
    SCRIPT,
    device_of,
    parse_prev,
    throttle_command,
)
from undertow.scenarios.storage_throttle.spec import StorageThrottle

MOUNTINFO = (
    "1045 1030 0:120 / / rw,relatime - overlay overlay rw,lowerdir=/x\n"
    "1046 1045 254:0 /tmp/vol /data rw,relatime - ext4 /dev/vda rw\n"
    "1047 1045 0:121 / /scratch rw - tmpfs tmpfs rw,size=8192k\n"
)


def test_the_device_is_the_mounts_major_minor() -> None:
    assert device_of(MOUNTINFO, "/data/") == ("254:0", "ext4")
    assert device_of(MOUNTINFO, "/scratch") == ("0:121", "tmpfs")


def test_a_path_that_is_not_a_mount_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="/other is not a mount point"):
        device_of(MOUNTINFO, "/other")


def spec(**fields: object) -> StorageThrottle:
    return StorageThrottle.model_validate({"pvc_name": "data", "namespace": "db", **fields})


def test_the_limits_follow_the_throttle_type() -> None:
    assert spec(throttle_type="iops").limits() == {"read_iops_device": 100, "write_iops_device": 50}
    assert spec(throttle_type="bandwidth", read_bps=2048).limits() == {
        "read_bps_device": 2048,
        "write_bps_device": 524288,
    }
    assert len(spec().limits()) == 4


def test_the_helper_gets_its_values_as_arguments_never_as_shell_text() -> None:
    command = throttle_command("abc123", "254:0", 90, {"read_bps_device": 1048576})
    assert command == [
        "sh",
        "-c",
        SCRIPT.strip(),
        "throttle",
        "abc123",
        "254:0",
        "90",
        str(GO_TIMEOUT),
        "read_bps_device",
        "1048576",
    ]


def test_the_previous_values_are_read_line_by_line() -> None:
    text = (
        "/host-cgroup/blkio/kubepods/pod1/c1/blkio.throttle.read_bps_device 254:0 0\n"
        "/host-cgroup/io.max 254:0 rbps=max wbps=max riops=max wiops=max\n"
    )
    assert parse_prev(text) == [
        {
            "path": "/host-cgroup/blkio/kubepods/pod1/c1/blkio.throttle.read_bps_device",
            "value": "254:0 0",
        },
        {"path": "/host-cgroup/io.max", "value": "254:0 rbps=max wbps=max riops=max wiops=max"},
    ]
    with pytest.raises(ScenarioError, match="no previous values"):
        parse_prev("")
