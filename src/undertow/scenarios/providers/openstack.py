"""`openstack`: Nova servers behind nodes (`pip install '.[openstack]'`, credentials
from clouds.yaml or OS_* variables). The node's providerID is `openstack:///<server-id>`."""

from __future__ import annotations

from typing import Any

from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.providers.base import (
    CloudProvider,
    Instance,
    InstanceState,
    provider_id_parts,
)
from undertow.undo.cloud import openstack_compute

_STATES: dict[str, InstanceState] = {
    "ACTIVE": "running",
    "SHUTOFF": "stopped",
    "DELETED": "terminated",
}


class OpenStackProvider(CloudProvider):
    name = "openstack"

    def __init__(self, cloud: str = "") -> None:
        self._cloud = cloud

    def instance(self, node: Obj) -> Instance:
        where = {"cloud": self._cloud} if self._cloud else {}
        return Instance(self.name, name_of(node), provider_id_parts(node, "openstack")[-1], where)

    def _compute(self) -> Any:
        return openstack_compute(self._cloud)

    def _stop(self, inst: Instance) -> None:
        self._compute().stop_server(inst.id)

    def _reboot(self, inst: Instance) -> None:
        self._compute().reboot_server(inst.id, "SOFT")

    def _terminate(self, inst: Instance) -> None:
        self._compute().delete_server(inst.id)

    def _state(self, inst: Instance) -> InstanceState:
        return _STATES.get(str(self._compute().get_server(inst.id).status), "changing")
