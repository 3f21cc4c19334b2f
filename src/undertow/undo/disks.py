"""Attaching back a data disk undertow detached from a node's cloud instance: `attach_disk`.

The record names the instance (as `start_instance` does) and the disk: its id (EBS volume
id, GCE disk URL, Azure managed disk id) and where it was attached (EBS device name, GCE
device name, Azure LUN). The disk goes back at exactly that place; one already attached to
that instance is left as it is (already restored), and so is one attached elsewhere since, or
a place that holds another disk now (a conflict: the entry stays pending). The cloud SDK is
imported inside each function, through `undertow.undo.cloud`; no Kubernetes connection is
made.
"""

from collections.abc import Callable
from typing import Any

from undertow.undo.cloud import _poll, azure_vms, ec2_client, gcp_instances, load_sdk
from undertow.undo.outcome import (
    ALREADY_RESTORED,
    CONFLICT,
    RESTORED,
    WOULD_RESTORE,
    Result,
    UndoError,
)
from undertow.undo.records import AttachDisk, DiskRecord, InstanceRecord


def _aws_attach(inst: InstanceRecord, disk: DiskRecord) -> str | None:
    """Attach the EBS volume at its device name, once it has finished detaching."""
    ec2 = ec2_client(inst.get("region"))
    volume_id, instance_id = disk["id"], inst["id"]

    def attachment() -> dict[str, Any]:
        volume = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
        found: list[dict[str, Any]] = volume.get("Attachments") or []
        return found[0] if found else {}

    now = _poll(lambda: attachment().get("State", "detached"), ("detaching",))
    if now in ("attaching", "attached"):
        owner = attachment().get("InstanceId")
        if owner == instance_id:
            return ALREADY_RESTORED
        return f"EBS volume {volume_id} is attached to {owner} now, not {instance_id}"
    ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=disk["device"])
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id])
    return None


def _gcp_attach(inst: InstanceRecord, disk: DiskRecord) -> str | None:
    """Attach the persistent disk under its device name (GCE picks the index)."""
    client = gcp_instances()
    where = {"project": inst["project"], "zone": inst["zone"], "instance": inst["id"]}
    attached = client.get(**where).disks or []
    if any(str(d.source) == disk["id"] for d in attached):
        return ALREADY_RESTORED
    clash = [d for d in attached if str(d.device_name) == disk["device"]]
    if clash:
        return f"device name {disk['device']} of instance {inst['id']} holds {clash[0].source} now"
    resource = {"source": disk["id"], "device_name": disk["device"]}
    if disk.get("mode"):
        resource["mode"] = str(disk["mode"])
    client.attach_disk(**where, attached_disk_resource=resource).result()
    return None


def _azure_attach(inst: InstanceRecord, disk: DiskRecord) -> str | None:
    """Put the managed disk back in the VM's data disks at its LUN."""
    vms = azure_vms(inst["subscription"])
    group, name = inst["resource_group"], inst["id"]
    vm = vms.get(group, name)
    data_disks = list(vm.storage_profile.data_disks or [])
    if any(str(d.managed_disk.id).lower() == disk["id"].lower() for d in data_disks):
        return ALREADY_RESTORED
    lun = int(disk["device"])
    if any(d.lun == lun for d in data_disks):
        return f"LUN {lun} of VM {name} holds another disk now"
    models = load_sdk("azure.mgmt.compute.models", "azure")
    data_disks.append(
        models.DataDisk(
            lun=lun,
            name=disk.get("name") or None,
            create_option="Attach",
            caching=disk.get("caching") or None,
            managed_disk=models.ManagedDiskParameters(id=disk["id"]),
        )
    )
    vm.storage_profile.data_disks = data_disks
    vms.begin_create_or_update(group, name, vm).result()
    return None


DISK_ATTACHERS: dict[str, Callable[[InstanceRecord, DiskRecord], str | None]] = {
    "aws": _aws_attach,
    "gcp": _gcp_attach,
    "azure": _azure_attach,
}
"""The providers whose data disks undertow detaches and attaches back. Each attacher returns
None once it attached the disk, ALREADY_RESTORED when it was attached to that instance, else
why it left the disk alone (a conflict)."""


def attach_detached_disk(data: AttachDisk, dry_run: bool) -> Result:
    """Attach back, at the same place, the data disk undertow detached from an instance."""
    inst, disk = data["instance"], data["disk"]
    attach = DISK_ATTACHERS.get(str(inst.get("provider")))
    if attach is None:
        raise UndoError(f"no disk provider {inst.get('provider')!r}")
    what = f"{inst['provider']} disk {disk['id']} at {disk['device']} of instance {inst['id']}"
    if dry_run:
        return Result(WOULD_RESTORE, f"would attach {what} unless it is attached")
    found = attach(inst, disk)
    if found is None:
        return Result(RESTORED, f"attached {what}")
    if found == ALREADY_RESTORED:
        return Result(ALREADY_RESTORED, f"{what} is attached")
    return Result(CONFLICT, f"{found}: {what} left detached, the undo stays pending")
