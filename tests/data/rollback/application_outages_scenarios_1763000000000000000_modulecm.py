"""undertow rollback version file: undoes one change undertow made to a Kubernetes cluster.

Run:       0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
Scenario:  application_outages_scenarios
Recorded:  2025-11-13T02:13:20.000000Z
Undo:      delete ConfigMap undertow-compat-format1/package created by undertow
Object:    v1 ConfigMap undertow-compat-format1/package

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
    'recorded_at': '2025-11-13T02:13:20.000000Z',
    'action': 'delete_created',
    'description': 'delete ConfigMap undertow-compat-format1/package created by undertow',
    'target': {'api_version': 'v1', 'kind': 'ConfigMap', 'name': 'package', 'namespace': 'undertow-compat-format1', 'uid': None},
    'labels': {'undertow.io/run-id': '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'undertow.io/entry': 'packageentry'},
}


# ---- undo verbs: undertow.undo, embedded; do not edit below ----

"""undertow's labels: how its objects (and cloud resources) say whose they are.

Every object undertow creates carries `app.kubernetes.io/managed-by=undertow` and
`undertow.io/run-id=<run>`, plus `undertow.io/entry=<token>` naming the version file that
undoes it; `rollback sweep` finds leftovers by them even when the journal is lost. A
hijacker pod also carries `undertow.io/hijacker=<token>`, which the hijacked Service selects.
"""

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "undertow"
RUN_LABEL = "undertow.io/run-id"
ENTRY_LABEL = "undertow.io/entry"
HIJACKER_LABEL = "undertow.io/hijacker"
MANAGED_SELECTOR = f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}"


"""What an undo reports: one outcome word and a sentence, or `UndoError` when it cannot."""

FORMAT = 1
"""The version of the undo data (the `UNDO` literal); the code around it may change."""

RESTORED = "restored"
ALREADY_RESTORED = "already restored"
GONE = "gone"
NOTHING_TO_UNDO = "nothing to undo"
WOULD_RESTORE = "would restore"
CONFLICT = "conflict"

RESOLVED = (RESTORED, ALREADY_RESTORED, GONE, NOTHING_TO_UNDO)
"""Outcomes after which the change is known to be undone (or never needs undoing)."""


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


"""The undo records: the `UNDO = {...}` literal of a version file, one shape per action.

The journal fills in `format`, `run_id`, `scenario_type` and `recorded_at`; the rest is
what the change's author records. Only plain literals (str, int, float, bool, None, list,
dict) appear, so a record reads back identically with `ast.literal_eval`.
"""

from typing import Any, Literal, TypedDict


class Target(TypedDict):
    """The object a change concerns (for a cloud change: the Node it backs)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None
    uid: str | None


class FieldChange(TypedDict):
    """One JSON-pointer field a patch changed: its value before, and the value undertow set."""

    path: str
    original_present: bool
    original: Any
    set_present: bool
    set: Any


class _TaintValue(TypedDict, total=False):
    value: str


class Taint(_TaintValue):
    key: str
    effect: str


class _Where(TypedDict, total=False):
    """What a cloud SDK needs to find the instance again (never credentials)."""

    region: str
    project: str
    zone: str
    subscription: str
    resource_group: str
    cloud: str
    service_url: str
    server: str
    insecure: str
    bmc_addr: str
    bmc_user: str


class InstanceRecord(_Where):
    provider: str
    id: str


class _Recorded(TypedDict, total=False):
    """Filled in by the journal when it writes the file."""

    format: int
    run_id: str
    scenario_type: str
    recorded_at: str


class DeleteCreated(_Recorded):
    action: Literal["delete_created"]
    description: str
    target: Target
    labels: dict[str, str]
    """The run and entry labels, to find the object if its uid was never recorded."""


class RestoreFields(_Recorded):
    action: Literal["restore_fields"]
    description: str
    target: Target
    fields: list[FieldChange]


class RemoveTaint(_Recorded):
    action: Literal["remove_taint"]
    description: str
    target: Target
    taint: Taint


class RecreateDeleted(_Recorded):
    action: Literal["recreate_deleted"]
    description: str
    target: Target
    restore: bool
    snapshot: dict[str, Any]


class _OutsideTarget(TypedDict, total=False):
    target: Target
    """Set by the journaled client: what the change concerns."""


class StartInstance(_Recorded, _OutsideTarget):
    action: Literal["start_instance"]
    description: str
    instance: InstanceRecord


class RestoreNetworkAcl(_Recorded, _OutsideTarget):
    action: Literal["restore_network_acl"]
    description: str
    region: str
    original_acls: dict[str, str]
    """subnet id → the network ACL it had before."""
    deny_acl_id: str | None
    """A deny ACL the user named (associated, never deleted)."""
    entry_tag: str
    """The `undertow.io/entry` tag on the deny ACL undertow created."""


KubeRecord = DeleteCreated | RestoreFields | RemoveTaint | RecreateDeleted
CloudRecord = StartInstance | RestoreNetworkAcl
UndoRecord = KubeRecord | CloudRecord


"""Talking to the Kubernetes API: building the client, classifying its errors, retrying.

The one copy undertow has: the kube layer (`undertow.kube`) builds its client and retries
its calls with these, and a version file run by hand uses them too. `kubernetes` (and its
`urllib3`) is imported inside the functions, so an undo that needs no cluster never
imports it.
"""

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

_T = TypeVar("_T")


def status_of(exc: BaseException) -> int | None:
    """The HTTP status carried by a kubernetes client exception, if any (0 is none)."""
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) and status > 0 else None


def is_connection_error(exc: BaseException) -> bool:
    """A transport-level failure: the request may or may not have reached the server."""
    import urllib3.exceptions

    return isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError))


def is_transient(exc: BaseException) -> bool:
    """Worth another try for a read: 429, 5xx, or a dropped connection."""
    status = status_of(exc)
    return status in RETRYABLE_STATUSES or (status is None and is_connection_error(exc))


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` in all, sleeping `first_delay` s, doubling to `max_delay` s."""

    attempts: int = 5
    first_delay: float = 0.2
    max_delay: float = 5.0


def retrying(
    call: Callable[[], _T],
    *,
    policy: RetryPolicy,
    retryable: Callable[[BaseException], bool] = is_transient,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """Run `call()`, retrying what `retryable` accepts with bounded backoff; the last
    failure (or the first that is not retryable) is raised as it is."""
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except Exception as exc:
            if attempt == policy.attempts or not retryable(exc):
                raise
            sleep(delay)
            delay = min(delay * 2, policy.max_delay)
    raise AssertionError("unreachable: the loop returns or raises")


def api_client(kubeconfig: str | None, context: str | None, pool_size: int | None = None) -> Any:
    """An ApiClient from a kubeconfig (several files separated by the path separator are
    merged), or from the in-cluster service account when `kubeconfig` is None. Raises the
    client's `ConfigException` when the credentials cannot be loaded."""
    from kubernetes import client, config

    configuration = client.Configuration()
    if kubeconfig is not None:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=kubeconfig, context=context, client_configuration=configuration
        )
    else:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    if pool_size is not None:
        configuration.connection_pool_maxsize = pool_size
    return client.ApiClient(configuration)


def kubeconfig_from_environment(kubeconfig: str | None) -> str | None:
    """For a version file run by hand: --kubeconfig, then $KUBECONFIG, then ~/.kube/config,
    else None (the in-cluster service account)."""
    path = kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    return path if kubeconfig or os.path.exists(path.split(os.pathsep)[0]) else None


def dynamic_client(api: Any) -> Any:
    """A DynamicClient over ApiClient `api`, whose discovery cache stays private.

    By default the client caches discovery in a predictable file in the shared temp dir,
    which another local user could plant; a fresh private dir, removed at once, avoids it
    (later cache writes fail silently, by the client's design).
    """
    from kubernetes import dynamic

    private = tempfile.mkdtemp(prefix="undertow-discovery-")
    try:
        cache = os.path.join(private, "cache.json")
        return dynamic.DynamicClient(api, cache_file=cache)  # type: ignore[no-untyped-call]
    finally:
        shutil.rmtree(private, ignore_errors=True)


"""The undo verbs for Kubernetes objects: delete what undertow created, put patched fields
back, remove a taint, recreate a deleted object.

Every verb reads the object first, decides, writes conditionally (a uid precondition, or
JSON-patch `test` ops on the values undertow set, so a field someone else changed since is
left alone), then re-reads to verify. A verb raises `UndoError` when it cannot restore; it
never swallows a failure. `dyn` is a `kubernetes.dynamic.DynamicClient`.
"""

import json
import time
from typing import Any


_ATTEMPTS = 5
_RETRY = RetryPolicy()
_VERIFY_SECONDS = 10.0
# A deleted object may still be terminating (a namespace emptying itself), and a namespace
# just recreated refuses pods until its default ServiceAccount exists: wait for both.
_SETTLE_SECONDS = 180.0
_NOT_YET_ADMITTED = ("is being terminated", "error looking up service account")


def _may_retry_patch(exc: BaseException) -> bool:
    """A conditional patch failed its test (409/422) or may not have been applied."""
    status = status_of(exc)
    return status in (409, 422, *RETRYABLE_STATUSES) or (
        status is None and is_connection_error(exc)
    )


def _resource(dyn: Any, target: Target) -> Any:
    return retrying(
        lambda: dyn.resources.get(api_version=target["api_version"], kind=target["kind"]),
        policy=_RETRY,
    )


def _namespace(resource: Any, target: Target) -> str | None:
    return target.get("namespace") if resource.namespaced else None


def _read(dyn: Any, resource: Any, target: Target, name: str) -> dict[str, Any] | None:
    """The object as a plain dict, or None when it does not exist."""
    try:
        response = retrying(
            lambda: resource.get(
                name=name, namespace=_namespace(resource, target), serialize=False
            ),
            policy=_RETRY,
        )
    except Exception as exc:
        if status_of(exc) == 404:
            return None
        raise
    loaded: dict[str, Any] = json.loads(response.data)
    return loaded


def _list(dyn: Any, resource: Any, target: Target, selector: str) -> list[dict[str, Any]]:
    response = retrying(
        lambda: resource.get(
            namespace=_namespace(resource, target), label_selector=selector, serialize=False
        ),
        policy=_RETRY,
    )
    items: list[dict[str, Any]] = json.loads(response.data).get("items", [])
    return items


def _json_patch(dyn: Any, resource: Any, target: Target, ops: list[Any]) -> None:
    resource.patch(
        body=ops,
        name=target["name"],
        namespace=_namespace(resource, target),
        content_type="application/json-patch+json",
        serialize=False,
    )


def _what(target: Target) -> str:
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


def delete_created(dyn: Any, data: DeleteCreated, dry_run: bool) -> Result:
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


def _delete_exact(dyn: Any, resource: Any, target: Target, obj: dict[str, Any]) -> bool:
    """Delete `obj` if it is still that very object; True if this call deleted it."""
    name, uid = obj["metadata"]["name"], obj["metadata"]["uid"]
    body = {"preconditions": {"uid": uid}, "propagationPolicy": "Background"}
    try:
        retrying(
            lambda: resource.delete(
                name=name, namespace=_namespace(resource, target), body=body, serialize=False
            ),
            policy=_RETRY,
        )
    except Exception as exc:
        if status_of(exc) not in (404, 409):  # gone, or replaced by an object that is not ours
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
    current: dict[str, Any], fields: list[FieldChange]
) -> tuple[list[FieldChange], list[FieldChange], list[FieldChange]]:
    """Split recorded fields into (already original, still undertow's value, changed since)."""
    original: list[FieldChange] = []
    chaos: list[FieldChange] = []
    changed: list[FieldChange] = []
    for field in fields:
        state = lookup(current, field["path"])
        if state == (field["original_present"], field["original"]):
            original.append(field)
        elif state == (field["set_present"], field["set"]):
            chaos.append(field)
        else:
            changed.append(field)
    return original, chaos, changed


def _restore_ops(fields: list[FieldChange]) -> list[Any]:
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


def restore_fields(dyn: Any, data: RestoreFields, dry_run: bool) -> Result:
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


def _same_taint(a: dict[str, Any], b: Taint) -> bool:
    return all(a.get(k) == b.get(k) for k in ("key", "value", "effect"))


def remove_taint(dyn: Any, data: RemoveTaint, dry_run: bool) -> Result:
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


def recreate_deleted(dyn: Any, data: RecreateDeleted, dry_run: bool) -> Result:
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


def _wait_gone(dyn: Any, resource: Any, target: Target) -> None:
    """Wait until a terminating object has really gone, so it can be created again."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    while _read(dyn, resource, target, target["name"]) is not None:
        if time.monotonic() > deadline:
            raise UndoError(f"{_what(target)} is still terminating after {_SETTLE_SECONDS:.0f}s")
        time.sleep(0.5)


def _create_when_admitted(resource: Any, target: Target, snapshot: Any) -> None:
    """Create the object, waiting out refusals that only mean "not yet" (see above)."""
    deadline = time.monotonic() + _SETTLE_SECONDS
    while True:
        try:
            retrying(
                lambda: resource.create(
                    body=snapshot, namespace=_namespace(resource, target), serialize=False
                ),
                policy=_RETRY,
            )
            return
        except Exception as exc:
            if status_of(exc) == 409:  # already exists: recreated meanwhile
                return
            refusal = str(getattr(exc, "body", "") or exc)
            not_yet = status_of(exc) in (403, 404) and any(m in refusal for m in _NOT_YET_ADMITTED)
            if not not_yet or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


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


"""`undo()`: put one recorded change back; `main()`: the entry point of a version file."""

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast


_KUBE_VERBS: dict[str, Callable[[Any, Any, bool], Result]] = {
    "delete_created": delete_created,
    "restore_fields": restore_fields,
    "remove_taint": remove_taint,
    "recreate_deleted": recreate_deleted,
}
_OUTSIDE_VERBS: dict[str, Callable[[Any, bool], Result]] = {
    "start_instance": start_stopped_instance,
    "restore_network_acl": restore_network_acl,
}


def describe(data: Mapping[str, Any]) -> str:
    """One line saying what this undo does, to which object."""
    return str(data.get("description") or data.get("action", "?"))


def undo(cluster: Callable[[], Any], data: Mapping[str, Any], dry_run: bool = False) -> Result:
    """Undo one recorded change (an undo record, see `records`).

    `cluster()` returns a `kubernetes.dynamic.DynamicClient`; it is called only by the undos
    of Kubernetes objects. Starting a cloud instance or restoring network ACLs never calls
    it: after an outage that took the API server down, those undos must still work.
    """
    if data.get("format") != FORMAT:
        raise UndoError(f"unsupported version-file format {data.get('format')!r}")
    action = str(data.get("action"))
    if action in _OUTSIDE_VERBS:
        return _OUTSIDE_VERBS[action](data, dry_run)
    verb = _KUBE_VERBS.get(action)
    if verb is None:
        raise UndoError(f"unknown undo action {data.get('action')!r}")
    return verb(cluster(), data, dry_run)


def requirements(data: Mapping[str, Any]) -> list[str]:
    """The Python packages (beyond the standard library) this undo imports."""
    if data.get("action") == "start_instance":
        return instance_packages(str(cast(dict[str, Any], data["instance"]).get("provider")))
    if data.get("action") == "restore_network_acl":
        return instance_packages("aws")
    return ["kubernetes"]


def main(data: Mapping[str, Any], argv: list[str] | None = None) -> int:
    """Entry point of a version file: undo its change; exit 0 only if restored."""
    parser = argparse.ArgumentParser(description="Undo one change undertow made: " + describe(data))
    parser.add_argument("--dry-run", action="store_true", help="say what would be done only")
    parser.add_argument("--kubeconfig", help="default: $KUBECONFIG, ~/.kube/config, in-cluster")
    parser.add_argument("--context", help="kubeconfig context")
    args = parser.parse_args(argv)
    print(f"undo: {describe(data)}")

    def cluster() -> Any:  # connected only if this undo acts on Kubernetes objects
        kubeconfig = kubeconfig_from_environment(args.kubeconfig)
        return dynamic_client(api_client(kubeconfig, args.context))

    try:
        result = undo(cluster, data, dry_run=args.dry_run)
    except Exception as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    print(f"{result.outcome}: {result.detail}")
    return 0 if result.resolved or result.outcome == WOULD_RESTORE else 1


if __name__ == "__main__":
    raise SystemExit(main(UNDO))
