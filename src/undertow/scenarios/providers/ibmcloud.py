"""`ibmcloud`: VPC virtual server instances behind nodes (`pip install 'undertow[ibmcloud]'`,
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
    require_env,
    require_sdk,
)

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

    def _service(self) -> Any:
        vpc = require_sdk("ibm_vpc", "ibmcloud")
        core = require_sdk("ibm_cloud_sdk_core.authenticators", "ibmcloud")
        service = vpc.VpcV1(
            authenticator=core.IAMAuthenticator(require_env("IBMC_APIKEY", "ibmcloud"))
        )
        service.set_service_url(require_env("IBMC_URL", "ibmcloud"))
        return service

    def _stop(self, inst: Instance) -> None:
        self._service().create_instance_action(inst.id, type="stop")

    def _reboot(self, inst: Instance) -> None:
        self._service().create_instance_action(inst.id, type="reboot")

    def _terminate(self, inst: Instance) -> None:
        self._service().delete_instance(inst.id)

    def state(self, inst: Instance) -> InstanceState:
        status = self._service().get_instance(inst.id).get_result()["status"]
        return _STATES.get(str(status), "changing")
