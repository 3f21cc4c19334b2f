"""`aws`: EC2 instances behind nodes (`pip install '.[aws]'`, credentials from the
usual AWS environment). The node's providerID is `aws:///<zone>/<instance-id>`."""

from __future__ import annotations

import re
from typing import Any

from undertow.scenarios.common.status import Obj, labels_of, name_of
from undertow.scenarios.providers.base import (
    CloudProvider,
    Disk,
    Instance,
    InstanceState,
    provider_id_parts,
)
from undertow.undo.cloud import ec2_client

_STATES: dict[str, InstanceState] = {
    "running": "running",
    "stopped": "stopped",
    "terminated": "terminated",
}


def region_of(zone: str) -> str:
    """`us-east-1a` → `us-east-1` (an AWS zone is its region plus one letter)."""
    match = re.fullmatch(r"([a-z]+(?:-[a-z]+)+-\d+)[a-z]", zone)
    return match.group(1) if match else zone


class AwsProvider(CloudProvider):
    name = "aws"

    def instance(self, node: Obj) -> Instance:
        parts = provider_id_parts(node, "aws")
        zone = parts[0] if len(parts) > 1 else ""
        region = labels_of(node).get("topology.kubernetes.io/region") or region_of(zone)
        return Instance(self.name, name_of(node), parts[-1], {"region": region})

    def _ec2(self, inst: Instance) -> Any:
        return ec2_client(inst.where.get("region"))

    def _stop(self, inst: Instance) -> None:
        self._ec2(inst).stop_instances(InstanceIds=[inst.id])

    def _reboot(self, inst: Instance) -> None:
        self._ec2(inst).reboot_instances(InstanceIds=[inst.id])

    def _terminate(self, inst: Instance) -> None:
        self._ec2(inst).terminate_instances(InstanceIds=[inst.id])

    def _state(self, inst: Instance) -> InstanceState:
        reply = self._ec2(inst).describe_instances(InstanceIds=[inst.id])
        name = reply["Reservations"][0]["Instances"][0]["State"]["Name"]
        return _STATES.get(str(name), "changing")

    def _data_disks(self, inst: Instance) -> list[Disk]:
        reply = self._ec2(inst).describe_instances(InstanceIds=[inst.id])
        found = reply["Reservations"][0]["Instances"][0]
        root = found.get("RootDeviceName")
        return [
            Disk(str(m["Ebs"]["VolumeId"]), str(m["DeviceName"]))
            for m in found.get("BlockDeviceMappings") or []
            if m.get("DeviceName") != root and "Ebs" in m
        ]

    def _detach_disk(self, inst: Instance, disk: Disk) -> None:
        """Forced, as Krkn does: the volume goes as if pulled out, mounted or not."""
        self._ec2(inst).detach_volume(
            VolumeId=disk.id, InstanceId=inst.id, Device=disk.device, Force=True
        )
