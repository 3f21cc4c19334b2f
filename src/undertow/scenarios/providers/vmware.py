"""`vmware`: vSphere VMs named like their nodes (`pip install '.[vmware]'`; vCenter
address and credentials in $VSPHERE_IP, $VSPHERE_USERNAME, $VSPHERE_PASSWORD, as Krkn)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.providers.base import CloudProvider, Instance, InstanceState
from undertow.undo.cloud import vsphere_vm, vsphere_wait

_STATES: dict[str, InstanceState] = {
    "poweredOn": "running",
    "poweredOff": "stopped",
    "suspended": "stopped",
}


class VmwareProvider(CloudProvider):
    name = "vmware"

    def __init__(self, insecure: bool = False) -> None:
        self._insecure = insecure

    def instance(self, node: Obj) -> Instance:
        where = {"server": os.environ.get("VSPHERE_IP", "")}
        if self._insecure:
            where["insecure"] = "true"
        return Instance(self.name, name_of(node), name_of(node), where)

    def _vm(self, inst: Instance) -> AbstractContextManager[Any]:
        return vsphere_vm(inst.id, inst.where.get("server", ""), self._insecure)

    def _task(self, inst: Instance, start: Callable[[Any], Any]) -> None:
        with self._vm(inst) as vm:
            vsphere_wait(start(vm))

    def _stop(self, inst: Instance) -> None:
        self._task(inst, lambda vm: vm.PowerOffVM_Task())

    def _reboot(self, inst: Instance) -> None:
        self._task(inst, lambda vm: vm.ResetVM_Task())

    def _terminate(self, inst: Instance) -> None:
        with self._vm(inst) as vm:
            if vm.runtime.powerState == "poweredOn":
                vsphere_wait(vm.PowerOffVM_Task())
        self._task(inst, lambda vm: vm.Destroy_Task())

    def _state(self, inst: Instance) -> InstanceState:
        with self._vm(inst) as vm:
            return _STATES.get(str(vm.runtime.powerState), "changing")
