"""`vmware`: vSphere VMs named like their nodes (`pip install 'undertow[vmware]'`; vCenter
address and credentials in $VSPHERE_IP, $VSPHERE_USERNAME, $VSPHERE_PASSWORD, as Krkn)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from undertow.errors import ScenarioError
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.providers.base import (
    CloudProvider,
    Instance,
    InstanceState,
    require_env,
    require_sdk,
)

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

    @contextmanager
    def _vm(self, inst: Instance) -> Iterator[Any]:
        connect = require_sdk("pyVim.connect", "vmware")
        vim = require_sdk("pyVmomi", "vmware").vim
        si = connect.SmartConnect(
            host=require_env("VSPHERE_IP", "vmware"),
            user=require_env("VSPHERE_USERNAME", "vmware"),
            pwd=require_env("VSPHERE_PASSWORD", "vmware"),
            disableSslCertValidation=self._insecure,
        )
        try:
            content = si.RetrieveContent()
            view = content.viewManager.CreateContainerView(
                content.rootFolder, [vim.VirtualMachine], True
            )
            found = [vm for vm in view.view if vm.name == inst.id]
            if not found:
                raise ScenarioError(f"no vSphere VM named {inst.id!r}")
            yield found[0]
        finally:
            connect.Disconnect(si)

    def _task(self, inst: Instance, start: Callable[[Any], Any]) -> None:
        task = require_sdk("pyVim.task", "vmware")
        with self._vm(inst) as vm:
            task.WaitForTask(start(vm))

    def _stop(self, inst: Instance) -> None:
        self._task(inst, lambda vm: vm.PowerOffVM_Task())

    def _reboot(self, inst: Instance) -> None:
        self._task(inst, lambda vm: vm.ResetVM_Task())

    def _terminate(self, inst: Instance) -> None:
        with self._vm(inst) as vm:
            if vm.runtime.powerState == "poweredOn":
                require_sdk("pyVim.task", "vmware").WaitForTask(vm.PowerOffVM_Task())
        self._task(inst, lambda vm: vm.Destroy_Task())

    def state(self, inst: Instance) -> InstanceState:
        with self._vm(inst) as vm:
            return _STATES.get(str(vm.runtime.powerState), "changing")
