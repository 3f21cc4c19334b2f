"""`ibmcloud`: VPC virtual server instances behind nodes (`pip install '.[ibmcloud]'`,
API key in $IBMC_APIKEY, VPC endpoint in $IBMC_URL, as Krkn). The instance id is the last
segment of the node's providerID."""

from __future__ import annotations

import os
from typing import Any

from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.providers.base import (
    CloudProvider,
    Instance,
    InstanceState,
    provider_id_tail,
)
from undertow.undo.cloud import ibm_vpc

_STATES: dict[str, InstanceState] = {
    "running": "running",
    "stopped": "stopped",
    "deleting": "terminated",
}


class IbmCloudProvider(CloudProvider):
    name = "ibmcloud"

    def instance(self, node: Obj) -> Instance:
        where = {"service_url": os.environ.get("IBMC_URL", "")}
        return Instance(self.name, name_of(node), provider_id_tail(node), where)

    def _service(self, inst: Instance) -> Any:
        return ibm_vpc(inst.where.get("service_url", ""))

    def _stop(self, inst: Instance) -> None:
        self._service(inst).create_instance_action(inst.id, type="stop")

    def _reboot(self, inst: Instance) -> None:
        self._service(inst).create_instance_action(inst.id, type="reboot")

    def _terminate(self, inst: Instance) -> None:
        self._service(inst).delete_instance(inst.id)

    def _state(self, inst: Instance) -> InstanceState:
        status = self._service(inst).get_instance(inst.id).get_result()["status"]
        return _STATES.get(str(status), "changing")
