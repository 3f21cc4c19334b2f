"""`azure`: virtual machines behind nodes (`pip install '.[azure]'`, credentials from
DefaultAzureCredential). The node's providerID is
`azure:///subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<vm>`.
"""

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
from undertow.undo.cloud import azure_vms

_STATES: dict[str, InstanceState] = {
    "PowerState/running": "running",
    "PowerState/stopped": "stopped",
    "PowerState/deallocated": "stopped",
}


class AzureProvider(CloudProvider):
    name = "azure"

    def instance(self, node: Obj) -> Instance:
        parts = provider_id_parts(node, "azure")
        lower = [p.lower() for p in parts]
        try:
            subscription = parts[lower.index("subscriptions") + 1]
            group = parts[lower.index("resourcegroups") + 1]
            vm = parts[lower.index("virtualmachines") + 1]
        except (ValueError, IndexError) as exc:
            raise ScenarioError(
                f"node {name_of(node)}: its providerID names no Azure virtual machine"
            ) from exc
        where = {"subscription": subscription, "resource_group": group}
        return Instance(self.name, name_of(node), vm, where)

    def _vms(self, inst: Instance) -> Any:
        return azure_vms(inst.where["subscription"])

    def _stop(self, inst: Instance) -> None:
        self._vms(inst).begin_power_off(inst.where["resource_group"], inst.id).result()

    def _reboot(self, inst: Instance) -> None:
        self._vms(inst).begin_restart(inst.where["resource_group"], inst.id).result()

    def _terminate(self, inst: Instance) -> None:
        self._vms(inst).begin_delete(inst.where["resource_group"], inst.id).result()

    def _state(self, inst: Instance) -> InstanceState:
        view = self._vms(inst).instance_view(inst.where["resource_group"], inst.id)
        codes = [str(s.code) for s in view.statuses or [] if str(s.code).startswith("PowerState/")]
        return _STATES.get(codes[0], "changing") if codes else "unknown"

    def _data_disks(self, inst: Instance) -> list[Disk]:
        """The VM's data disks (its OS disk is apart, in `storage_profile.os_disk`)."""
        vm = self._vms(inst).get(inst.where["resource_group"], inst.id)
        return [
            Disk(
                str(d.managed_disk.id),
                str(d.lun),
                {"name": str(d.name or ""), "caching": _text(d.caching)},
            )
            for d in vm.storage_profile.data_disks or []
            if d.managed_disk is not None
        ]

    def _detach_disk(self, inst: Instance, disk: Disk) -> None:
        vms, group = self._vms(inst), inst.where["resource_group"]
        vm = vms.get(group, inst.id)
        kept = [d for d in vm.storage_profile.data_disks or [] if str(d.lun) != disk.device]
        vm.storage_profile.data_disks = kept
        vms.begin_create_or_update(group, inst.id, vm).result()


def _text(value: object) -> str:
    """An SDK enum's value (`CachingTypes.READ_ONLY` → `ReadOnly`), or the text; "" for None."""
    if value is None:
        return ""
    return str(getattr(value, "value", value))
