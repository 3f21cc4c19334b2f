"""`gcp`: Compute Engine instances behind nodes (`pip install '.[gcp]'`, application
default credentials). The node's providerID is `gce://<project>/<zone>/<instance>`."""

from __future__ import annotations

from typing import Any

from undertow.errors import ScenarioError
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.providers.base import (
    CloudProvider,
    Disk,
    Instance,
    InstanceState,
    provider_id_parts,
)
from undertow.undo.cloud import gcp_instances

_STATES: dict[str, InstanceState] = {
    "RUNNING": "running",
    "TERMINATED": "stopped",
    "SUSPENDED": "stopped",
}


class GcpProvider(CloudProvider):
    name = "gcp"

    def instance(self, node: Obj) -> Instance:
        parts = provider_id_parts(node, "gce")
        if len(parts) != 3:
            raise ScenarioError(
                f"node {name_of(node)}: expected providerID gce://<project>/<zone>/<instance>"
            )
        project, zone, instance = parts
        return Instance(self.name, name_of(node), instance, {"project": project, "zone": zone})

    def _call(self, inst: Instance, verb: str, **extra: str) -> Any:
        client = gcp_instances()
        where = {"project": inst.where["project"], "zone": inst.where["zone"], "instance": inst.id}
        return getattr(client, verb)(**where, **extra)

    def _stop(self, inst: Instance) -> None:
        self._call(inst, "stop").result()

    def _reboot(self, inst: Instance) -> None:
        self._call(inst, "reset").result()

    def _terminate(self, inst: Instance) -> None:
        self._call(inst, "delete").result()

    def _state(self, inst: Instance) -> InstanceState:
        return _STATES.get(str(self._call(inst, "get").status), "changing")

    def _data_disks(self, inst: Instance) -> list[Disk]:
        return [
            Disk(str(d.source), str(d.device_name), {"mode": str(d.mode)} if d.mode else {})
            for d in self._call(inst, "get").disks or []
            if not d.boot
        ]

    def _detach_disk(self, inst: Instance, disk: Disk) -> None:
        self._call(inst, "detach_disk", device_name=disk.device).result()
