"""Changes outside Kubernetes: starting a cloud instance again, restoring network ACLs.

Also the one place that loads a cloud SDK and builds its client, for these undos and for
undertow's node providers alike. The SDK is imported inside each function: a version file
that undoes a pod deletion must not need boto3. Credentials come from the SDK's usual
environment (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_*, OS_*, IBMC_APIKEY, VSPHERE_*,
IPMI_PASSWORD), never from the version file.
"""

import importlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from undertow.undo.labels import ENTRY_LABEL
from undertow.undo.outcome import (
    ALREADY_RESTORED,
    CONFLICT,
    RESTORED,
    WOULD_RESTORE,
    Result,
    UndoError,
)
from undertow.undo.records import InstanceRecord, RestoreNetworkAcl, StartInstance

SDKS = {
    "aws": ("boto3", ["boto3"]),
    "gcp": ("google.cloud.compute_v1", ["google-cloud-compute"]),
    "azure": ("azure.mgmt.compute", ["azure-identity", "azure-mgmt-compute"]),
    "openstack": ("openstack", ["openstacksdk"]),
    "ibmcloud": ("ibm_vpc", ["ibm-vpc", "ibm-cloud-sdk-core"]),
    "vmware": ("pyVmomi", ["pyvmomi"]),
}
"""Provider → (the SDK module to look for, the Python packages its calls import).
`bm` needs no package: it runs the ipmitool program."""

_INSTANCE_WAIT_SECONDS = 600.0


def load_sdk(module: str, extra: str) -> Any:
    """Import a cloud SDK module, or say which package (and undertow extra) to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = " ".join(SDKS.get(extra, (module, [module]))[1])
        raise UndoError(
            f"the {extra} calls need the {module!r} module: pip install {package} "
            f"(or pip install 'undertow[{extra}]')"
        ) from exc


def require_env(name: str) -> str:
    """A setting the SDK needs from the environment (as Krkn reads it), or say which."""
    value = os.environ.get(name)
    if not value:
        raise UndoError(f"set ${name} in the environment: this call needs it")
    return value


# --- clients, one per provider ----------------------------------------------------------


def ec2_client(region: str | None) -> Any:
    return load_sdk("boto3", "aws").client("ec2", region_name=region or None)


def gcp_instances() -> Any:
    return load_sdk("google.cloud.compute_v1", "gcp").InstancesClient()


def azure_vms(subscription: str) -> Any:
    identity = load_sdk("azure.identity", "azure")
    compute = load_sdk("azure.mgmt.compute", "azure")
    client = compute.ComputeManagementClient(identity.DefaultAzureCredential(), subscription)
    return client.virtual_machines


def openstack_compute(cloud: str) -> Any:
    openstack = load_sdk("openstack", "openstack")
    return (openstack.connect(cloud=cloud) if cloud else openstack.connect()).compute


def ibm_vpc(service_url: str) -> Any:
    vpc = load_sdk("ibm_vpc", "ibmcloud")
    core = load_sdk("ibm_cloud_sdk_core.authenticators", "ibmcloud")
    service = vpc.VpcV1(authenticator=core.IAMAuthenticator(require_env("IBMC_APIKEY")))
    service.set_service_url(service_url or require_env("IBMC_URL"))
    return service


@contextmanager
def vsphere_vm(name: str, server: str, insecure: bool) -> Iterator[Any]:
    """The vSphere VM called `name`, connected for the duration of the block."""
    connect = load_sdk("pyVim.connect", "vmware")
    vim = load_sdk("pyVmomi", "vmware").vim
    si = connect.SmartConnect(
        host=server or require_env("VSPHERE_IP"),
        user=require_env("VSPHERE_USERNAME"),
        pwd=require_env("VSPHERE_PASSWORD"),
        disableSslCertValidation=insecure,
    )
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.VirtualMachine], True
        )
        found = [vm for vm in view.view if vm.name == name]
        if not found:
            raise UndoError(f"no vSphere VM named {name!r}")
        yield found[0]
    finally:
        connect.Disconnect(si)


def vsphere_wait(task: Any) -> None:
    load_sdk("pyVim.task", "vmware").WaitForTask(task)


def ipmi_power(bmc_addr: str, bmc_user: str, verb: str, password: str = "") -> str:
    """`ipmitool chassis power <verb>` over LAN. The password reaches ipmitool through
    $IPMI_PASSWORD (`-E`), never its command line: `password`, else the environment's."""
    if shutil.which("ipmitool") is None:
        raise UndoError("this call needs the ipmitool program (e.g. apt-get install ipmitool)")
    env = {**os.environ, "IPMI_PASSWORD": password or require_env("IPMI_PASSWORD")}
    command = ["ipmitool", "-I", "lanplus", "-H", bmc_addr, "-U", bmc_user, "-E"]
    done = subprocess.run(
        [*command, "chassis", "power", verb], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise UndoError(f"ipmitool chassis power {verb} on {bmc_addr}: {done.stderr.strip()}")
    return done.stdout


# --- starting an instance again ---------------------------------------------------------


def _poll(read: Callable[[], Any], leave: tuple[str, ...]) -> str:
    """Read a state until it is not one of `leave` (a transition), at most ten minutes."""
    deadline = time.monotonic() + _INSTANCE_WAIT_SECONDS
    state = str(read())
    while state in leave:
        if time.monotonic() > deadline:
            raise UndoError(f"still {state} after {_INSTANCE_WAIT_SECONDS:.0f}s")
        time.sleep(5)
        state = str(read())
    return state


def _aws_start(inst: InstanceRecord) -> bool:
    ec2 = ec2_client(inst.get("region"))
    ids = [inst["id"]]

    def state() -> str:
        found = ec2.describe_instances(InstanceIds=ids)["Reservations"][0]["Instances"][0]
        return str(found["State"]["Name"])

    now = _poll(state, ("stopping",))
    if now in ("pending", "running"):
        return False
    if now in ("shutting-down", "terminated"):
        raise UndoError(f"EC2 instance {inst['id']} is {now}; it cannot be started")
    ec2.start_instances(InstanceIds=ids)
    ec2.get_waiter("instance_running").wait(InstanceIds=ids)
    return True


def _gcp_start(inst: InstanceRecord) -> bool:
    client = gcp_instances()
    where = {"project": inst["project"], "zone": inst["zone"], "instance": inst["id"]}
    now = _poll(lambda: client.get(**where).status, ("STOPPING", "SUSPENDING"))
    if now in ("RUNNING", "PROVISIONING", "STAGING", "REPAIRING"):
        return False
    (client.resume if now == "SUSPENDED" else client.start)(**where).result()
    return True


def _azure_start(inst: InstanceRecord) -> bool:
    vms = azure_vms(inst.get("subscription") or require_env("AZURE_SUBSCRIPTION_ID"))
    view = vms.instance_view(inst["resource_group"], inst["id"])
    power = [s.code for s in view.statuses or [] if str(s.code).startswith("PowerState/")]
    if power and power[0] in ("PowerState/running", "PowerState/starting"):
        return False
    vms.begin_start(inst["resource_group"], inst["id"]).result()
    return True


def _openstack_start(inst: InstanceRecord) -> bool:
    compute = openstack_compute(inst.get("cloud", ""))
    server = compute.get_server(inst["id"])
    if server.status in ("ACTIVE", "BUILD", "REBOOT", "HARD_REBOOT"):
        return False
    compute.start_server(server)
    compute.wait_for_server(server, status="ACTIVE", wait=int(_INSTANCE_WAIT_SECONDS))
    return True


def _ibmcloud_start(inst: InstanceRecord) -> bool:
    service = ibm_vpc(inst.get("service_url", ""))
    now = _poll(
        lambda: service.get_instance(inst["id"]).get_result()["status"], ("stopping", "pausing")
    )
    if now in ("running", "starting", "pending", "restarting"):
        return False
    service.create_instance_action(inst["id"], type="start")
    return True


def _vmware_start(inst: InstanceRecord) -> bool:
    with vsphere_vm(inst["id"], inst.get("server", ""), bool(inst.get("insecure"))) as vm:
        if vm.runtime.powerState == "poweredOn":
            return False
        vsphere_wait(vm.PowerOnVM_Task())
        return True


def _bm_start(inst: InstanceRecord) -> bool:
    """IPMI power on with ipmitool; the password comes from $IPMI_PASSWORD (`-E`)."""
    if "is on" in ipmi_power(inst["bmc_addr"], inst["bmc_user"], "status"):
        return False
    ipmi_power(inst["bmc_addr"], inst["bmc_user"], "on")
    return True


INSTANCE_STARTERS: dict[str, Callable[[InstanceRecord], bool]] = {
    "aws": _aws_start,
    "gcp": _gcp_start,
    "azure": _azure_start,
    "openstack": _openstack_start,
    "ibmcloud": _ibmcloud_start,
    "vmware": _vmware_start,
    "bm": _bm_start,
}


def instance_packages(provider: str) -> list[str]:
    """The Python packages starting this provider's instance imports."""
    return list(SDKS[provider][1]) if provider in SDKS else []


def start_instance(inst: InstanceRecord) -> bool:
    """Start a stopped instance (True), or do nothing if it runs already (False)."""
    starter = INSTANCE_STARTERS.get(str(inst.get("provider")))
    if starter is None:
        raise UndoError(f"no instance provider {inst.get('provider')!r}")
    return starter(inst)


def start_stopped_instance(data: StartInstance, dry_run: bool) -> Result:
    """Start again the cloud instance (behind a node) that undertow stopped."""
    inst = data["instance"]
    what = f"{inst['provider']} instance {inst['id']}"
    if dry_run:
        return Result(WOULD_RESTORE, f"would start {what} unless it is running")
    if start_instance(inst):
        return Result(RESTORED, f"started {what}")
    return Result(ALREADY_RESTORED, f"{what} is running")


def restore_network_acl(data: RestoreNetworkAcl, dry_run: bool) -> Result:
    """Give each subnet its original network ACL back, where undertow's deny ACL is still
    associated, then delete the deny ACLs undertow created (found by their entry tag)."""
    ec2 = ec2_client(data.get("region"))
    tag = {"Name": f"tag:{ENTRY_LABEL}", "Values": [data["entry_tag"]]}
    created = [a["NetworkAclId"] for a in ec2.describe_network_acls(Filters=[tag])["NetworkAcls"]]
    deny = data.get("deny_acl_id")
    ours = {*created, *([deny] if deny else [])}
    restored, conflicts = [], []
    for subnet, original in data["original_acls"].items():
        where = {"Name": "association.subnet-id", "Values": [subnet]}
        acls = ec2.describe_network_acls(Filters=[where])["NetworkAcls"]
        current = [
            (assoc["NetworkAclAssociationId"], acl["NetworkAclId"])
            for acl in acls
            for assoc in acl.get("Associations", [])
            if assoc.get("SubnetId") == subnet
        ]
        if not current:
            raise UndoError(f"subnet {subnet} has no network ACL association")
        association, acl_id = current[0]
        if acl_id == original:
            continue
        if acl_id not in ours:
            conflicts.append(subnet)
            continue
        if not dry_run:
            ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=original)
        restored.append(subnet)
    if dry_run:
        return Result(WOULD_RESTORE, f"would restore the ACLs of {restored}, delete {created}")
    for acl_id in created:
        ec2.delete_network_acl(NetworkAclId=acl_id)
    done = f"original ACLs back on {restored or 'no subnet'}; deleted {created or 'nothing'}"
    if conflicts:
        return Result(CONFLICT, f"{done}; {conflicts} changed by someone else since, left alone")
    return Result(RESTORED if restored or created else ALREADY_RESTORED, done)
