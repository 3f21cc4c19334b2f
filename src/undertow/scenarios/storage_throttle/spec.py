"""The `storage_throttle_scenarios` file (Krkn's format): one `storage_throttle_scenario:` map.

storage_throttle_scenario:
  pvc_name: data           # the claim (a Running pod that mounts it is picked); or
  pod_name: db-0           # a pod (its first claim); pvc_name wins when both are set
  namespace: db
  mount_path: ''           # the container mounting this path; default: the claim's mount
  throttle_type: both      # iops | bandwidth | both
  read_iops: 100
  write_iops: 50
  read_bps: 1048576        # bytes per second
  write_bps: 524288
  duration: 60
  image: quay.io/krkn-chaos/krkn:tools   # the privileged helper pod's image
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from undertow.scenarios.common.fields import NamespaceName, OptionalText, Seconds, SpecModel

DEFAULT_IMAGE = "quay.io/krkn-chaos/krkn:tools"
Rate = Annotated[int, Field(ge=1, strict=True)]


class StorageThrottle(SpecModel):
    """Which volume's IO to limit, how, for how long."""

    pvc_name: OptionalText = ""
    """The PersistentVolumeClaim; a Running pod that mounts it is picked at random."""
    pod_name: OptionalText = ""
    """A pod (its first PersistentVolumeClaim volume) when pvc_name is empty."""
    namespace: NamespaceName
    """The namespace of the claim and its pods."""
    mount_path: OptionalText = ""
    """The mount path whose device is limited; default: where the claim is mounted."""
    throttle_type: Literal["iops", "bandwidth", "both"] = "both"
    """Limit operations per second (iops), bytes per second (bandwidth), or both."""
    read_iops: Rate = 100
    """Read operations per second."""
    write_iops: Rate = 50
    """Write operations per second."""
    read_bps: Rate = 1048576
    """Read bytes per second."""
    write_bps: Rate = 524288
    """Write bytes per second."""
    duration: Annotated[Seconds, Field(gt=0)] = 60
    """Seconds the limits stay in place."""
    image: str = DEFAULT_IMAGE
    """The privileged helper pod's image (a shell with find and grep; through the image map)."""

    @model_validator(mode="after")
    def _a_target(self) -> StorageThrottle:
        if not self.pvc_name and not self.pod_name:
            raise ValueError("set pvc_name or pod_name")
        return self

    def limits(self) -> dict[str, int]:
        """cgroup v1 file suffix → value, for the throttle type."""
        iops = {"read_iops_device": self.read_iops, "write_iops_device": self.write_iops}
        bps = {"read_bps_device": self.read_bps, "write_bps_device": self.write_bps}
        if self.throttle_type == "iops":
            return iops
        if self.throttle_type == "bandwidth":
            return bps
        return {**bps, **iops}


class StorageThrottleSpec(SpecModel):
    storage_throttle_scenario: StorageThrottle
    """The throttle."""
