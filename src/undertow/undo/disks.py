"""Attaching back a data disk undertow detached from a node's cloud instance: `attach_disk`.

The record names the instance (as `start_instance` does) and the disk: its id (EBS volume
id, GCE disk URL, Azure managed disk id) and where it was attached (EBS device name, GCE
device name, Azure LUN). The disk goes back at exactly that place; one already attached to
that instance is left as it is (already restored). The cloud SDK is imported inside each
function, through `undertow.undo.cloud`; no Kubernetes connection is made.
"""

from collections.abc import Callable
from typing import Any

from undertow.undo.cloud import _poll, azure_vms, ec2_client, gcp_instances, load_sdk
from undertow.undo.outcome import ALREADY_RESTORED, RESTORED, WOULD_RESTORE, Result, UndoError
from undertow.undo.records import AttachDisk, DiskRecord, InstanceRecord


def _aws_attach(inst: InstanceRecord, disk: DiskRecord) -> bool:
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
            return False
        raise UndoError(
            f"EBS volume {volume_id} is attached to {owner} now, not {instance_id}: left alone"
        )
    ec2.attach_volume(VolumeId=volume_id, InstanceId=instance_id, Device=disk["device"])
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[volume_id])
    return True


def _gcp_attach(inst: InstanceRecord, disk: DiskRecord) -> bool:
    """Attach the persistent disk under its device name (GCE picks the index)."""
    client = gcp_instances()
    where = {"project": inst["project"], "zone": inst["zone"], "instance": inst["id"]}
    attached = client.get(**where).disks or []
    if any(str(d.source) == disk["id"] for d in attached):
        return False
    clash = [d for d in attached if str(d.device_name) == disk["device"]]
    if clash:
        raise UndoError(
            f"device name {disk['device']} of instance {inst['id']} holds {clash[0].source} "
            f"now, not {disk['id']}: left alone"
        )
    resource = {"source": disk["id"], "device_name": disk["device"]}
    if disk.get("mode"):
        resource["mode"] = str(disk["mode"])
    client.attach_disk(**where, attached_disk_resource=resource).result()
    return True


def _azure_attach(inst: InstanceRecord, disk: DiskRecord) -> bool:
    """Put the managed disk back in the VM's data disks at its LUN."""
    vms = azure_vms(inst["subscription"])
    group, name = inst["resource_group"], inst["id"]
    vm = vms.get(group, name)
    data_disks = list(vm.storage_profile.data_disks or [])
    if any(str(d.managed_disk.id).lower() == disk["id"].lower() for d in data_disks):
        return False
    lun = int(disk["device"])
    if any(d.lun == lun for d in data_disks):
        raise UndoError(f"LUN {lun} of VM {name} holds another disk now: left alone")
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
    return True


DISK_ATTACHERS: dict[str, Callable[[InstanceRecord, DiskRecord], bool]] = {
    "aws": _aws_attach,
    "gcp": _gcp_attach,
    "azure": _azure_attach,
}
"""The providers whose data disks undertow detaches and attaches back."""


def attach_detached_disk(data: AttachDisk, dry_run: bool) -> Result:
    """Attach back, at the same place, the data disk undertow detached from an instance."""
    inst, disk = data["instance"], data["disk"]
    attach = DISK_ATTACHERS.get(str(inst.get("provider")))
    if attach is None:
        raise UndoError(f"no disk provider {inst.get('provider')!r}")
    what = f"{inst['provider']} disk {disk['id']} at {disk['device']} of instance {inst['id']}"
    if dry_run:
        return Result(WOULD_RESTORE, f"would attach {what} unless it is attached")
    if attach(inst, disk):
        return Result(RESTORED, f"attached {what}")
    return Result(ALREADY_RESTORED, f"{what} is attached")
