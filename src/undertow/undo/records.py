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
    cluster_copy: str
    """`<namespace>/<copy name>`: the run's cluster copy holds this entry too."""


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


class _TaintMarks(TypedDict, total=False):
    fields: list[FieldChange]
    """Set with the taint (the `undertow.io/journal-entry` annotation): put back with it."""


class RemoveTaint(_Recorded, _TaintMarks):
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


class SignalledContainer(_Recorded):
    """A signal sent to a container's main process: nothing to put back (the kubelet restarts
    the container), kept as a record of what the run did."""

    action: Literal["signalled_container"]
    description: str
    target: Target
    container: str
    signal: int


class RevertInHelper(_Recorded):
    """A change made inside a node's or pod's network namespace by undertow's helper pod
    (nftables table, tc qdiscs, a link taken down): undone by a script run in that helper,
    the same script its own command runs when it ends or is stopped."""

    action: Literal["revert_in_helper"]
    description: str
    target: Target
    """The helper pod (undertow's own; the script runs in it)."""
    container: str
    applied: str
    """The exact script that made the change (with the rules it added), for the record."""
    undo: str
    """The script that removes exactly that change."""
    state: str
    """A script printing the state the change touched; after `undo` it must print `before`."""
    before: str


class _OutsideTarget(TypedDict, total=False):
    target: Target
    """Set by the journaled client: what the change concerns."""


class FillWriter(TypedDict, total=False):
    """How the pod that wrote a fill ran: what a helper pod needs to mount the claim the
    same way when no running pod mounts it any more (`undertow.undo.fill_helper`)."""

    node: str
    image: str
    tolerations: list[dict[str, Any]]
    image_pull_secrets: list[dict[str, Any]]
    security_context: dict[str, Any]
    pod_security_context: dict[str, Any]


class RemoveFile(_Recorded, _OutsideTarget, FillWriter):
    """A file undertow wrote into a volume (a PVC fill): the undo removes exactly that file,
    from inside a running pod that mounts the claim (the one that wrote it, if it still runs),
    else from a short-lived helper pod that mounts it. `file` is a bare name undertow chose,
    never a path: the undo refuses anything else."""

    action: Literal["remove_file"]  # target: the PersistentVolumeClaim
    description: str
    pod: str
    container: str
    mount_path: str
    sub_path: str
    file: str


class RestoreNodeFiles(_Recorded, _OutsideTarget):
    """Values undertow wrote into files of a node (cgroup limits, the clock), written back
    exactly from inside the helper pod that changed them. The helper pod's own command
    writes them back too when it ends (its trap), however it ends."""

    action: Literal["restore_node_files"]  # target: the helper pod
    description: str
    container: str
    files: list[dict[str, str]]
    """Each `{"path": ..., "value": ...}`: the file (as the helper pod sees it) and the text
    to write back, in order."""


class RestoreClock(_Recorded, _OutsideTarget):
    """A node's clock moved by `offset_seconds` from inside a privileged helper pod; the undo
    moves it back by the same offset, from inside that pod, once (see `files.CLOCK_SCRIPT`)."""

    action: Literal["restore_clock"]  # target: the helper pod
    description: str
    node: str
    container: str
    offset_seconds: int


class ResumeKubelet(_Recorded, _OutsideTarget):
    """A node's kubelet stopped (or frozen) by undertow's helper pod, whose own command starts
    it again at `resume_by` (epoch seconds) or when the pod is stopped: the undo deletes the
    helper and waits for the node to be Ready (`undertow.undo.kubelet`)."""

    action: Literal["resume_kubelet"]  # target: the helper pod
    description: str
    node: str
    resume_by: float


class StartInstance(_Recorded, _OutsideTarget):
    action: Literal["start_instance"]
    description: str
    instance: InstanceRecord


class _DiskPlace(TypedDict, total=False):
    name: str
    """Azure: the disk's name in the VM's data disks."""
    caching: str
    """Azure: the data disk's host caching."""
    mode: str
    """GCP: READ_WRITE or READ_ONLY."""


class DiskRecord(_DiskPlace):
    """A data disk of a cloud instance, and where it was attached."""

    id: str
    """The EBS volume id, the GCE disk's URL, or the Azure managed disk's id."""
    device: str
    """Where it was attached: the EBS device name, the GCE device name, the Azure LUN."""


class AttachDisk(_Recorded, _OutsideTarget):
    """A data disk undertow detached from a node's instance: attach it back at `device`."""

    action: Literal["attach_disk"]
    description: str
    instance: InstanceRecord
    disk: DiskRecord


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


KubeRecord = (
    DeleteCreated
    | RestoreFields
    | RemoveTaint
    | RecreateDeleted
    | SignalledContainer
    | RemoveFile
    | RestoreNodeFiles
    | RestoreClock
    | RevertInHelper
    | ResumeKubelet
)
CloudRecord = StartInstance | RestoreNetworkAcl | AttachDisk
UndoRecord = KubeRecord | CloudRecord
