"""`undo()`: put one recorded change back; `main()`: the entry point of a version file."""

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast

from undertow.undo.cloud import instance_packages, restore_network_acl, start_stopped_instance
from undertow.undo.disks import attach_detached_disk
from undertow.undo.files import remove_file, restore_clock, restore_node_files
from undertow.undo.k8s import (
    delete_created,
    recreate_deleted,
    remove_taint,
    restore_fields,
    revert_in_helper,
    signalled_container,
)
from undertow.undo.k8s_api import api_client, dynamic_client, kubeconfig_from_environment
from undertow.undo.kubelet import resume_kubelet
from undertow.undo.outcome import FORMAT, WOULD_RESTORE, Result, UndoError

_KUBE_VERBS: dict[str, Callable[[Any, Any, bool], Result]] = {
    "delete_created": delete_created,
    "restore_fields": restore_fields,
    "remove_taint": remove_taint,
    "recreate_deleted": recreate_deleted,
    "remove_file": remove_file,
    "restore_node_files": restore_node_files,
    "restore_clock": restore_clock,
    "revert_in_helper": revert_in_helper,
    "resume_kubelet": resume_kubelet,
}
_OUTSIDE_VERBS: dict[str, Callable[[Any, bool], Result]] = {
    "signalled_container": signalled_container,  # a record only: never connects
    "start_instance": start_stopped_instance,
    "restore_network_acl": restore_network_acl,
    "attach_disk": attach_detached_disk,
}


def describe(data: Mapping[str, Any]) -> str:
    """One line saying what this undo does, to which object."""
    return str(data.get("description") or data.get("action", "?"))


def undo(cluster: Callable[[], Any], data: Mapping[str, Any], dry_run: bool = False) -> Result:
    """Undo one recorded change (an undo record, see `records`).

    `cluster()` returns a `kubernetes.dynamic.DynamicClient`; it is called only by the undos
    of Kubernetes objects. Starting a cloud instance or restoring network ACLs never calls
    it: after an outage that took the API server down, those undos must still work.
    Attaching back a detached disk never calls it either.
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
    if data.get("action") in ("start_instance", "attach_disk"):
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
