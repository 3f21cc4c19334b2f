"""The undo verbs: how undertow puts one change back. The bottom layer of undertow.

Each module is embedded in every version file, in the order of `EMBEDDED` (after the file's
`UNDO = {...}` data literal, with the imports between these modules left out), so
`python <version file>` restores the change on a machine that has only Python (3.10+) and
the one package the undo needs: the `kubernetes` client for a Kubernetes object, a cloud SDK
for a cloud instance (`requirements`; the file's header lists them). These modules therefore
import only the standard library, each other (`from undertow.undo.<module> import <name>`,
nothing else: no alias, no other form) and those packages (lazily, inside functions); they
never use `from __future__` (legal only at the top of a file), and no two of them define
the same top-level name.

    labels     undertow's labels (managed-by, run id, entry, hijacker)
    outcome    FORMAT, the outcome words, Result, UndoError
    records    the undo records (TypedDicts), one per action
    guards     what an undo may touch: only what its own run changed (pure checks)
    k8s_api    building the Kubernetes client, classifying its errors, retry with backoff
    k8s        the verbs for Kubernetes objects
    kubelet    resuming a kubelet stopped by a helper pod (waits for the helper's own timer)
    fill_helper  removing a PVC fill's file from a helper pod, when no running pod mounts it
    files      the verbs for files in pods and nodes (a PVC fill, cgroup limits), via exec
    cloud      cloud SDKs and clients; starting an instance, restoring network ACLs
    disks      attaching back a data disk detached from a cloud instance
    verbs      undo() (the dispatch), requirements(), main() (a version file's entry point)

The kube layer and the node providers use `k8s_api` and `cloud` too: one copy of each.
undertow's executor calls `undo()` with data read by `ast.literal_eval`; it never runs a
version file's code.
"""

from undertow.undo.outcome import (
    ALREADY_RESTORED,
    CONFLICT,
    FORMAT,
    GONE,
    NOTHING_TO_UNDO,
    RESOLVED,
    RESTORED,
    WOULD_RESTORE,
    Result,
    UndoError,
)
from undertow.undo.verbs import describe, main, requirements, undo

EMBEDDED = (
    "labels",
    "outcome",
    "records",
    "guards",
    "k8s_api",
    "k8s",
    "kubelet",
    "fill_helper",
    "files",
    "cloud",
    "disks",
    "verbs",
)
"""The modules a version file embeds, in dependency order."""

__all__ = [
    "ALREADY_RESTORED",
    "CONFLICT",
    "EMBEDDED",
    "FORMAT",
    "GONE",
    "NOTHING_TO_UNDO",
    "RESOLVED",
    "RESTORED",
    "WOULD_RESTORE",
    "Result",
    "UndoError",
    "describe",
    "main",
    "requirements",
    "undo",
]
