"""undertow rollback version file: undoes one change undertow made to a Kubernetes cluster.

Run:       0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
Scenario:  application_outages_scenarios
Recorded:  2025-09-02T08:10:00.000000Z
Undo:      delete ConfigMap undertow-compat-format1/pep723 created by undertow
Object:    v1 ConfigMap undertow-compat-format1/pep723

Undo it with undertow:  undertow rollback execute --file <this file>
Or by hand:             python <this file> [--dry-run] [--kubeconfig PATH] [--context NAME]
(needs Python 3.10+ and the `kubernetes` package; safe to run twice)
"""

# /// script
# requires-python = ">=3.10"
# dependencies = ["kubernetes"]
# ///
UNDO = {
    'format': 1,
    'run_id': '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    'scenario_type': 'application_outages_scenarios',
    'recorded_at': '2025-09-02T08:10:00.000000Z',
    'action': 'delete_created',
    'description': 'delete ConfigMap undertow-compat-format1/pep723 created by undertow',
    'target': {'api_version': 'v1', 'kind': 'ConfigMap', 'name': 'pep723', 'namespace': 'undertow-compat-format1', 'uid': None},
    'labels': {'undertow.io/run-id': '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'undertow.io/entry': 'pep723entry'},
}


# ---- undo verbs: undertow.rollback.undo, embedded verbatim; do not edit below ----

"""The undo verbs: how undertow puts one change back.

This module is copied verbatim into every version file, after the file's `UNDO = {...}`
data literal, so `python <version file>` can restore the cluster on a machine that has
only Python (3.10+) and the one package the undo needs: the official `kubernetes` client
for a Kubernetes object, a cloud SDK for a cloud instance (see `requirements`; the file's
header lists them). It therefore imports nothing but the standard library and those
packages (lazily, inside functions), never undertow, and it must not use `from __future__`
imports (they are only legal at the top of a file).

undertow's own executor imports this module normally and calls `undo()` with the data it
read from a version file with `ast.literal_eval`; it never runs the file itself.

Every verb reads the object first, decides, writes conditionally (a uid precondition, or
JSON-patch `test` ops on the values undertow set, so a field someone else changed since is
left alone), then re-reads to verify. A verb raises `UndoError` when it cannot restore; it never
swallows a failure.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

FORMAT = 1

RESTORED = "restored"
ALREADY_RESTORED = "already restored"
GONE = "gone"
NOTHING_TO_UNDO = "nothing to undo"
WOULD_RESTORE = "would restore"
CONFLICT = "conflict"

RESOLVED = (RESTORED, ALREADY_RESTORED, GONE, NOTHING_TO_UNDO)
"""Outcomes after which the change is known to be undone (or never needs undoing)."""

RUN_LABEL = "undertow.io/run-id"
ENTRY_LABEL = "undertow.io/entry"

_ATTEMPTS = 5
_RETRY_STATUSES = (429, 500, 502, 503, 504)
_VERIFY_SECONDS = 10.0
# A deleted object may still be terminating (a namespace emptying itself), and a namespace
# just recreated refuses pods until its default ServiceAccount exists: wait for both.
_SETTLE_SECONDS = 180.0
_NOT_YET_ADMITTED = ("is being terminated", "error looking up service account")


class UndoError(Exception):
    """The undo could not be carried out; the version file must stay pending."""


class Result:
    """What one undo did: an outcome from the constants above and a sentence for humans."""

    __slots__ = ("detail", "outcome")

    def __init__(self, outcome: str, detail: str) -> None:
        self.outcome = outcome
        self.detail = detail

    @property
    def resolved(self) -> bool:
        return self.outcome in RESOLVED

    def __repr__(self) -> str:
        return f"Result({self.outcome!r}, {self.detail!r})"


def describe(data: dict[str, Any]) -> str:
    """One line saying what this undo does, to which object."""
    return str(data.get("description") or data.get("action", "?"))


def undo(cluster: Callable[[], Any], data: dict[str, Any], dry_run: bool = False) -> Result:
    """Undo one recorded change.

    `cluster()` returns a `kubernetes.dynamic.DynamicClient`; it is called only by the undos
    of Kubernetes objects. Starting a cloud instance or restoring network ACLs never calls
    it: after an outage that took the API server down, those undos must still work.
    """
    if data.get("format") != FORMAT:
        raise UndoError(f"unsupported version-file format {data.get('format')!r}")
    action = str(data.get("action"))
    outside = {"start_instance": _start_instance, "restore_network_acl": _restore_network_acl}
    if action in outside:
        return outside[action](data, dry_run)
    verbs = {
        "delete_created": _delete_created,
        "restore_fields": _restore_fields,
        "remove_taint": _remove_taint,
        "recreate_deleted": _recreate_deleted,
    }
    verb = verbs.get(action)
    if verb is None:
        raise UndoError(f"unknown undo action {data.get('action')!r}")
    return verb(cluster(), data, dry_run)


INSTANCE_PACKAGES = {
    "aws": ["boto3"],
    "gcp": ["google-cloud-compute"],
    "azure": ["azure-identity", "azure-mgmt-compute"],
    "openstack": ["openstacksdk"],
    "ibmcloud": ["ibm-vpc", "ibm-cloud-sdk-core"],
    "vmware": ["pyvmomi"],
    "bm": [],
}
"""The Python packages each provider's instance start imports (`bm` runs ipmitool)."""


def requirements(data: dict[str, Any]) -> list[str]:
    """The Python packages (beyond the standard library) this undo imports."""
    if data.get("action") == "start_instance":
        return list(INSTANCE_PACKAGES.get(str(data["instance"].get("provider")), []))
    if data.get("action") == "restore_network_acl":
        return ["boto3"]
    return ["kubernetes"]


# --- reading and writing objects -------------------------------------------------------


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def _retrying(call: Any) -> Any:
    """Run `call()`, retrying 429/5xx and dropped connections with bounded backoff."""
    delay = 0.2
    for attempt in range(_ATTEMPTS):
        try:
            return call()
        except Exception as exc:
            status = _status(exc)
            transient = status in _RETRY_STATUSES or (status is None and _is_connection(exc))
            if not transient or attempt == _ATTEMPTS - 1:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 3.0)
    raise AssertionError("unreachable")


def _is_connection(exc: BaseException) -> bool:
    import urllib3.exceptions

    return isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError))


def _may_retry_patch(exc: BaseException) -> bool:
    """A conditional patch failed its test (409/422) or may not have been applied."""
    status = _status(exc)
    return status in (409, 422, *_RETRY_STATUSES) or (status is None and _is_connection(exc))


def _resource(dyn: Any, target: dict[str, Any]) -> Any:
    return _retrying(
        lambda: dyn.resources.get(api_version=target["api_version"], kind=target["kind"])
    )


def _namespace(resource: Any, target: dict[str, Any]) -> str | None:
    return target.get("namespace") if resource.namespaced else None


def _read(dyn: Any, resource: Any, target: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The object as a plain dict, or None when it does not exist."""
    try:
        response = _retrying(
            lambda: resource.get(name=name, namespace=_namespace(resource, target), serialize=False)
        )
    except Exception as exc:
        if _status(exc) == 404:
            return None
        raise
    loaded: dict[str, Any] = json.loads(response.data)
    return loaded


def _list(dyn: Any, resource: Any, target: dict[str, Any], selector: str) -> list[dict[str, Any]]:
    response = _retrying(
        lambda: resource.get(
            namespace=_namespace(resource, target), label_selector=selector, serialize=False
        )
    )
    items: list[dict[str, Any]] = json.loads(response.data).get("items", [])
    return items


def _json_patch(dyn: Any, resource: Any, target: dict[str, Any], ops: list[Any]) -> None:
    resource.patch(
        body=ops,
        name=target["name"],
        namespace=_namespace(resource, target),
        content_type="application/json-patch+json",
        serialize=False,
    )


def _what(target: dict[str, Any]) -> str:
    where = f"{target['namespace']}/" if target.get("namespace") else ""
    return f"{target['kind']} {where}{target.get('name') or '?'}"


# --- JSON pointers ---------------------------------------------------------------------


def pointer_tokens(path: str) -> list[str]:
    """Split an RFC 6901 JSON pointer into its unescaped tokens."""
    if not path.startswith("/"):
        raise UndoError(f"not a JSON pointer: {path!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def lookup(obj: Any, path: str) -> tuple[bool, Any]:
    """(present, value) of the JSON pointer `path` in `obj`."""
    node = obj
    for token in pointer_tokens(path):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


# --- the verbs -------------------------------------------------------------------------


def _delete_created(dyn: Any, data: dict[str, Any], dry_run: bool) -> Result:
    """Delete exactly the object undertow created (uid precondition)."""
    target = data["target"]
    resource = _resource(dyn, target)
    labels = data.get("labels", {})
    if target.get("uid") and target.get("name") and not dry_run:
        # The uid precondition makes the delete itself the check: no read first.
        meta = {"name": target["name"], "uid": target["uid"]}
        if _delete_exact(dyn, resource, target, {"metadata": meta}):
            return Result(RESTORED, f"deleted {_what(target)}")
        return Result(ALREADY_RESTORED, f"{_what(target)} no longer exists")
    if target.get("uid") and target.get("name"):
        current = _read(dyn, resource, target, target["name"])
        mine = [current] if current and current["metadata"].get("uid") == target["uid"] else []
    else:
        # Recorded before the API server assigned a uid: find it by undertow's labels.
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        mine = [
            obj
            for obj in _list(dyn, resource, target, selector)
            if not target.get("name") or obj["metadata"]["name"] == target["name"]
        ]
    if not mine:
        return Result(ALREADY_RESTORED, f"{_what(target)} no longer exists")
    if dry_run:
        return Result(WOULD_RESTORE, f"would delete {_what(target)}")
    for obj in mine:
        _delete_exact(dyn, resource, target, obj)
    return Result(RESTORED, f"deleted {_what(target)}")


def _delete_exact(dyn: Any, resource: Any, target: dict[str, Any], obj: dict[str, Any]) -> bool:
    """Delete `obj` if it is still that very object; True if this call deleted it."""
    name, uid = obj["metadata"]["name"], obj["metadata"]["uid"]
    body = {"preconditions": {"uid": uid}, "propagationPolicy": "Background"}
    try:
        _retrying(
            lambda: resource.delete(
                name=name, namespace=_namespace(resource, target), body=body, serialize=False
            )
        )
    except Exception as exc:
        if _status(exc) not in (404, 409):  # gone, or replaced by an object that is not ours
            raise
        return False
    # Verify: gone, replaced by another object, or terminating (finalizers, grace period).
    after = _read(dyn, resource, target, name)
    if (
        after
        and after["metadata"].get("uid") == uid
        and not after["metadata"].get("deletionTimestamp")
    ):
        raise UndoError(f"{_what(target)} still exists after delete")
    return True


def _field_states(
    current: dict[str, Any], fields: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Split recorded fields into (already original, still undertow's value, changed since)."""
    original, chaos, changed = [], [], []
    for field in fields:
        state = lookup(current, field["path"])
        if state == (field["original_present"], field["original"]):
            original.append(field)
        elif state == (field["set_present"], field["set"]):
            chaos.append(field)
        else:
            changed.append(field)
    return original, chaos, changed


def _restore_ops(fields: list[dict[str, Any]]) -> list[Any]:
    """Put `fields` back, each only if it still holds undertow's value (`test` ops)."""
    ops: list[Any] = []
    for field in fields:
        path = field["path"]
        if field["set_present"]:
            ops.append({"op": "test", "path": path, "value": field["set"]})
            if field["original_present"]:
                ops.append({"op": "replace", "path": path, "value": field["original"]})
            else:
                ops.append({"op": "remove", "path": path})
        elif field["original_present"]:
            ops.append({"op": "add", "path": path, "value": field["original"]})
    return ops


def _restore_fields(dyn: Any, data: dict[str, Any], dry_run: bool) -> Result:
    """Put back the fields undertow changed, only where they still hold undertow's value."""
    target = data["target"]
    resource = _resource(dyn, target)
    paths = ", ".join(f["path"] for f in data["fields"])
    for _attempt in range(_ATTEMPTS):
        current = _read(dyn, resource, target, target["name"])
        if current is None or (
            target.get("uid") and current["metadata"].get("uid") != target["uid"]
        ):
            return Result(GONE, f"{_what(target)} no longer exists; nothing to restore")
        _, chaos, changed = _field_states(current, data["fields"])
        conflict = ", ".join(f["path"] for f in changed)
        if not chaos:
            if changed:
                return Result(
                    CONFLICT,
                    f"{_what(target)}: {conflict} changed by someone else since; left alone",
                )
            return Result(ALREADY_RESTORED, f"{_what(target)}: {paths} already original")
        if dry_run:
            return Result(WOULD_RESTORE, f"would restore {paths} of {_what(target)}")
        try:
            _json_patch(dyn, resource, target, _restore_ops(chaos))
        except Exception as exc:
            if _may_retry_patch(exc):
                time.sleep(0.1 * (_attempt + 1))
                continue  # changed meanwhile, or unknown whether applied: re-read, decide again
            raise
        after = _read(dyn, resource, target, target["name"])
        if after is None:
            return Result(GONE, f"{_what(target)} was deleted meanwhile")
        not_back = [f["path"] for f in chaos if f not in _field_states(after, chaos)[0]]
        if not_back:
            raise UndoError(f"{_what(target)}: {', '.join(not_back)} not restored on re-read")
        if changed:
            done = ", ".join(f["path"] for f in chaos)
            return Result(
                CONFLICT, f"{_what(target)}: restored {done}; {conflict} changed since, left alone"
            )
        return Result(RESTORED, f"{_what(target)}: restored {paths}")
    raise UndoError(f"{_what(target)} kept changing while being restored")


def _same_taint(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a.get(k) == b.get(k) for k in ("key", "value", "effect"))


def _remove_taint(dyn: Any, data: dict[str, Any], dry_run: bool) -> Result:
    """Remove exactly the taint undertow added, leaving every other taint alone."""
    target, taint = data["target"], data["taint"]
    resource = _resource(dyn, target)
    shown = f"{taint['key']}={taint.get('value') or ''}:{taint['effect']}"
    for _attempt in range(_ATTEMPTS):
        node = _read(dyn, resource, target, target["name"])
        if node is None:
            return Result(GONE, f"{_what(target)} no longer exists")
        taints = node.get("spec", {}).get("taints") or []
        found = [i for i, t in enumerate(taints) if _same_taint(t, taint)]
        if not found:
            return Result(ALREADY_RESTORED, f"{_what(target)} has no taint {shown}")
        if dry_run:
            return Result(WOULD_RESTORE, f"would remove taint {shown} from {_what(target)}")
        ops: list[Any] = []
        for i in reversed(found):
            ops.append({"op": "test", "path": f"/spec/taints/{i}", "value": taints[i]})
            ops.append({"op": "remove", "path": f"/spec/taints/{i}"})
        try:
            _json_patch(dyn, resource, target, ops)
        except Exception as exc:
            if _may_retry_patch(exc):
                time.sleep(0.1 * (_attempt + 1))
                continue
            raise
        after = _read(dyn, resource, target, target["name"]) or {}
        if any(_same_taint(t, taint) for t in after.get("spec", {}).get("taints") or []):
            raise UndoError(f"taint {shown} still on {_what(target)} after removal")
        return Result(RESTORED, f"removed taint {shown} from {_what(target)}")
    raise UndoError(f"{_what(target)} kept changing while its taint was removed")


def _recreate_deleted(dyn: Any, data: dict[str, Any], dry_run: bool) -> Result:
    """Recreate a deleted object from its snapshot, when the scenario asked for it."""
    target = data["target"]
    if not data.get("restore"):
        return Result(NOTHING_TO_UNDO, f"{_what(target)} was deleted on purpose; record only")
    resource = _resource(dyn, target)
    existing = _read(dyn, resource, target, target["name"])
    if existing is not None and not existing["metadata"].get("deletionTimestamp"):
        return Result(ALREADY_RESTORED, f"{_what(target)} exists again")
    if dry_run:
        return Result(WOULD_RESTORE, f"would recreate {_what(target)} from its snapshot")
    if existing is not None:
        _wait_gone(dyn, resource, target)
    _create_when_admitted(resource, target, data["snapshot"])
    deadline = time.monotonic() + _VERIFY_SECONDS
    while _read(dyn, resource, target, target["name"]) is None:
        if time.monotonic() > deadline:
            raise UndoError(f"{_what(target)} not found after recreating it")
        time.sleep(0.2)
    return Result(RESTORED, f"recreated {_what(target)} from its snapshot")


def _wait_gone(dyn: Any, resource: Any, target: dict[str, Any]) -> None:
    """Wait until a terminating object has really gone, so it can be created again."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    while _read(dyn, resource, target, target["name"]) is not None:
        if time.monotonic() > deadline:
            raise UndoError(f"{_what(target)} is still terminating after {_SETTLE_SECONDS:.0f}s")
        time.sleep(0.5)


def _create_when_admitted(resource: Any, target: dict[str, Any], snapshot: Any) -> None:
    """Create the object, waiting out refusals that only mean "not yet" (see above)."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    while True:
        try:
            _retrying(
                lambda: resource.create(
                    body=snapshot, namespace=_namespace(resource, target), serialize=False
                )
            )
            return
        except Exception as exc:
            if _status(exc) == 409:  # already exists: recreated meanwhile
                return
            refusal = str(getattr(exc, "body", "") or exc)
            not_yet = _status(exc) in (403, 404) and any(m in refusal for m in _NOT_YET_ADMITTED)
            if not not_yet or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# --- changes outside Kubernetes: cloud instances and network ACLs ----------------------
#
# The provider SDK is imported inside each function: a version file that undoes a pod
# deletion must not need boto3. Credentials come from the SDK's usual environment
# (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_*, OS_*, IBMC_APIKEY, VSPHERE_*,
# IPMI_PASSWORD), never from the version file.

_INSTANCE_WAIT_SECONDS = 600.0


def _sdk(module: str, package: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UndoError(
            f"this undo needs the {package!r} package: pip install {package} "
            f"(or pip install 'undertow[{extra}]')"
        ) from exc


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise UndoError(f"set {name} in the environment: this undo needs it")
    return value


def _poll(read: Any, leave: tuple[str, ...]) -> str:
    """Read a state until it is not one of `leave` (a transition), at most ten minutes."""
    deadline = time.monotonic() + _INSTANCE_WAIT_SECONDS
    state = str(read())
    while state in leave:
        if time.monotonic() > deadline:
            raise UndoError(f"still {state} after {_INSTANCE_WAIT_SECONDS:.0f}s")
        time.sleep(5)
        state = str(read())
    return state


def _aws_start(inst: dict[str, Any]) -> bool:
    boto3 = _sdk("boto3", "boto3", "aws")
    ec2 = boto3.client("ec2", region_name=inst.get("region") or None)
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


def _gcp_start(inst: dict[str, Any]) -> bool:
    compute = _sdk("google.cloud.compute_v1", "google-cloud-compute", "gcp")
    client = compute.InstancesClient()
    where = {"project": inst["project"], "zone": inst["zone"], "instance": inst["id"]}
    now = _poll(lambda: client.get(**where).status, ("STOPPING", "SUSPENDING"))
    if now in ("RUNNING", "PROVISIONING", "STAGING", "REPAIRING"):
        return False
    (client.resume if now == "SUSPENDED" else client.start)(**where).result()
    return True


def _azure_start(inst: dict[str, Any]) -> bool:
    identity = _sdk("azure.identity", "azure-identity", "azure")
    compute = _sdk("azure.mgmt.compute", "azure-mgmt-compute", "azure")
    subscription = inst.get("subscription") or _env("AZURE_SUBSCRIPTION_ID")
    vms = compute.ComputeManagementClient(identity.DefaultAzureCredential(), subscription)
    vms = vms.virtual_machines
    view = vms.instance_view(inst["resource_group"], inst["id"])
    power = [s.code for s in view.statuses or [] if str(s.code).startswith("PowerState/")]
    if power and power[0] in ("PowerState/running", "PowerState/starting"):
        return False
    vms.begin_start(inst["resource_group"], inst["id"]).result()
    return True


def _openstack_start(inst: dict[str, Any]) -> bool:
    openstack = _sdk("openstack", "openstacksdk", "openstack")
    conn = openstack.connect(cloud=inst["cloud"]) if inst.get("cloud") else openstack.connect()
    server = conn.compute.get_server(inst["id"])
    if server.status in ("ACTIVE", "BUILD", "REBOOT", "HARD_REBOOT"):
        return False
    conn.compute.start_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", wait=int(_INSTANCE_WAIT_SECONDS))
    return True


def _ibmcloud_start(inst: dict[str, Any]) -> bool:
    vpc = _sdk("ibm_vpc", "ibm-vpc", "ibmcloud")
    core = _sdk("ibm_cloud_sdk_core.authenticators", "ibm-cloud-sdk-core", "ibmcloud")
    service = vpc.VpcV1(authenticator=core.IAMAuthenticator(_env("IBMC_APIKEY")))
    service.set_service_url(inst.get("service_url") or _env("IBMC_URL"))
    now = _poll(
        lambda: service.get_instance(inst["id"]).get_result()["status"], ("stopping", "pausing")
    )
    if now in ("running", "starting", "pending", "restarting"):
        return False
    service.create_instance_action(inst["id"], type="start")
    return True


def _vmware_start(inst: dict[str, Any]) -> bool:
    connect = _sdk("pyVim.connect", "pyvmomi", "vmware")
    task = _sdk("pyVim.task", "pyvmomi", "vmware")
    vim = _sdk("pyVmomi", "pyvmomi", "vmware").vim
    si = connect.SmartConnect(
        host=inst.get("server") or _env("VSPHERE_IP"),
        user=_env("VSPHERE_USERNAME"),
        pwd=_env("VSPHERE_PASSWORD"),
        disableSslCertValidation=bool(inst.get("insecure")),
    )
    try:
        content = si.RetrieveContent()
        view = content.viewManager.CreateContainerView(
            content.rootFolder, [vim.VirtualMachine], True
        )
        found = [vm for vm in view.view if vm.name == inst["id"]]
        if not found:
            raise UndoError(f"no vSphere VM named {inst['id']!r}")
        if found[0].runtime.powerState == "poweredOn":
            return False
        task.WaitForTask(found[0].PowerOnVM_Task())
        return True
    finally:
        connect.Disconnect(si)


def _bm_start(inst: dict[str, Any]) -> bool:
    """IPMI power on with ipmitool; the password comes from $IPMI_PASSWORD (`-E`)."""
    if shutil.which("ipmitool") is None:
        raise UndoError("this undo needs the ipmitool program (e.g. apt-get install ipmitool)")
    _env("IPMI_PASSWORD")
    base = ["ipmitool", "-I", "lanplus", "-H", inst["bmc_addr"], "-U", inst["bmc_user"], "-E"]
    status = subprocess.run(
        [*base, "chassis", "power", "status"], capture_output=True, text=True, check=True
    )
    if "is on" in status.stdout:
        return False
    subprocess.run([*base, "chassis", "power", "on"], capture_output=True, text=True, check=True)
    return True


INSTANCE_STARTERS = {
    "aws": _aws_start,
    "gcp": _gcp_start,
    "azure": _azure_start,
    "openstack": _openstack_start,
    "ibmcloud": _ibmcloud_start,
    "vmware": _vmware_start,
    "bm": _bm_start,
}


def start_instance(inst: dict[str, Any]) -> bool:
    """Start a stopped instance (True), or do nothing if it runs already (False)."""
    starter = INSTANCE_STARTERS.get(str(inst.get("provider")))
    if starter is None:
        raise UndoError(f"no instance provider {inst.get('provider')!r}")
    return starter(inst)


def _start_instance(data: dict[str, Any], dry_run: bool) -> Result:
    """Start again the cloud instance (behind a node) that undertow stopped."""
    inst = data["instance"]
    what = f"{inst['provider']} instance {inst['id']}"
    if dry_run:
        return Result(WOULD_RESTORE, f"would start {what} unless it is running")
    if start_instance(inst):
        return Result(RESTORED, f"started {what}")
    return Result(ALREADY_RESTORED, f"{what} is running")


def _restore_network_acl(data: dict[str, Any], dry_run: bool) -> Result:
    """Give each subnet its original network ACL back, where undertow's deny ACL is still
    associated, then delete the deny ACLs undertow created (found by their entry tag)."""
    boto3 = _sdk("boto3", "boto3", "aws")
    ec2 = boto3.client("ec2", region_name=data.get("region") or None)
    tag = {"Name": f"tag:{ENTRY_LABEL}", "Values": [data["entry_tag"]]}
    created = [a["NetworkAclId"] for a in ec2.describe_network_acls(Filters=[tag])["NetworkAcls"]]
    ours = {*created, *([data["deny_acl_id"]] if data.get("deny_acl_id") else [])}
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


# --- running a version file by hand ----------------------------------------------------


def dynamic_client(api_client: Any) -> Any:
    """A DynamicClient whose discovery cache stays private (not a shared file in /tmp)."""
    from kubernetes import dynamic

    private = tempfile.mkdtemp(prefix="undertow-discovery-")
    try:
        cache = os.path.join(private, "cache.json")
        return dynamic.DynamicClient(api_client, cache_file=cache)  # type: ignore[no-untyped-call]
    finally:
        shutil.rmtree(private, ignore_errors=True)


def api_client_from_environment(kubeconfig: str | None, context: str | None) -> Any:
    """--kubeconfig, then $KUBECONFIG, then ~/.kube/config, then in-cluster config."""
    from kubernetes import client, config

    path = kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    if kubeconfig or os.path.exists(path.split(os.pathsep)[0]):
        return config.new_client_from_config(config_file=path, context=context)  # type: ignore[no-untyped-call]
    configuration = client.Configuration()
    config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    return client.ApiClient(configuration)


def main(data: dict[str, Any], argv: list[str] | None = None) -> int:
    """Entry point of a version file: undo its change; exit 0 only if restored."""
    parser = argparse.ArgumentParser(description="Undo one change undertow made: " + describe(data))
    parser.add_argument("--dry-run", action="store_true", help="say what would be done only")
    parser.add_argument("--kubeconfig", help="default: $KUBECONFIG, ~/.kube/config, in-cluster")
    parser.add_argument("--context", help="kubeconfig context")
    args = parser.parse_args(argv)
    print(f"undo: {describe(data)}")

    def cluster() -> Any:  # connected only if this undo acts on Kubernetes objects
        return dynamic_client(api_client_from_environment(args.kubeconfig, args.context))

    try:
        result = undo(cluster, data, dry_run=args.dry_run)
    except Exception as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    print(f"{result.outcome}: {result.detail}")
    return 0 if result.resolved or result.outcome == WOULD_RESTORE else 1


if __name__ == "__main__":
    raise SystemExit(main(UNDO))
