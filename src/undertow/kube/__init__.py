"""The kube layer: connecting to a cluster and reading from it.

Only this package (and `undertow.undo.k8s_api`, `undertow.cluster`) imports `kubernetes`,
always lazily. Mutations live in `undertow.kube.mutate` and are used only by the journaled
client (`undertow.rollback.client`), so every change is journaled first, and by the run's
heartbeat Lease (`undertow.runner.lease`), undertow's own marker rather than a change.
"""

from undertow.kube.api import KubeApi
from undertow.kube.connect import connect
from undertow.kube.refs import ObjectRef
from undertow.kube.retry import RetryPolicy

__all__ = ["KubeApi", "ObjectRef", "RetryPolicy", "connect"]
