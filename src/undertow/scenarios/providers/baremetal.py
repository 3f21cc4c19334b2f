"""`bm`: bare-metal nodes through their BMC, with `ipmitool` (IPMI over LAN).

Krkn's fields: `bmc_info: {<node>: {bmc_addr, bmc_user, bmc_password}}`, with `bmc_user` and
`bmc_password` as defaults. The password reaches ipmitool through $IPMI_PASSWORD (`-E`), never
on its command line, and is never written to a version file: a rollback run by hand needs
$IPMI_PASSWORD set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from undertow.errors import ScenarioError
from undertow.rollback.client import Change, JournaledClient
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.providers.base import CloudProvider, Instance, InstanceState
from undertow.undo.cloud import ipmi_power


class BareMetalProvider(CloudProvider):
    name = "bm"

    def __init__(
        self,
        bmc_info: Mapping[str, Mapping[str, str]] | None = None,
        bmc_user: str = "",
        bmc_password: str = "",
    ) -> None:
        self._info = dict(bmc_info or {})
        self._user = bmc_user
        self._default_password = bmc_password

    def instance(self, node: Obj) -> Instance:
        name = name_of(node)
        info = self._info.get(name) or {}
        addr = info.get("bmc_addr") or ""
        if not addr:
            raise ScenarioError(f"bm: no bmc_addr for node {name} in bmc_info")
        user = info.get("bmc_user") or self._user
        return Instance(self.name, name, addr, {"bmc_addr": addr, "bmc_user": user})

    def _password_for(self, inst: Instance) -> str:
        info = self._info.get(inst.node) or {}
        password = info.get("bmc_password") or self._default_password
        password = password or os.environ.get("IPMI_PASSWORD", "")
        if not password:
            raise ScenarioError(f"bm: no BMC password for node {inst.node} (or $IPMI_PASSWORD)")
        return password

    def _journaled(
        self, kube: JournaledClient, inst: Instance, verb: str, apply: Callable[[Instance], None]
    ) -> Change:
        # The undo (`ipmitool -E`, run in this process when the scenario starts the node
        # again) reads the password from the environment, as it would in a rollback by hand.
        os.environ["IPMI_PASSWORD"] = self._password_for(inst)
        return super()._journaled(kube, inst, verb, apply)

    def _ipmi(self, inst: Instance, verb: str) -> str:
        password = self._password_for(inst)
        return ipmi_power(inst.where["bmc_addr"], inst.where["bmc_user"], verb, password)

    def _stop(self, inst: Instance) -> None:
        self._ipmi(inst, "off")

    def _reboot(self, inst: Instance) -> None:
        self._ipmi(inst, "reset")

    def _terminate(self, inst: Instance) -> None:
        raise ScenarioError("node_termination is not possible on bare metal")

    def _state(self, inst: Instance) -> InstanceState:
        out = self._ipmi(inst, "status")
        if "is on" in out:
            return "running"
        return "stopped" if "is off" in out else "unknown"
