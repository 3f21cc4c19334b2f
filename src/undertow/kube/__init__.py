"""The kube layer: connecting to a cluster and reading from it.

Only this package (and `undertow.undo.k8s_api`, `undertow.cluster`) imports `kubernetes`,
always lazily. Mutations live in `undertow.kube.mutate` and are used only by the journaled
client (`undertow.rollback.client`), so every change is journaled first, and for undertow's
own objects, which are markers rather than changes: the run's heartbeat Lease
(`undertow.runner.lease`), the journal's cluster copy (`undertow.rollback.cluster_copy`) and
the guardian's claims and Events (`undertow.runner.guardian`). `undertow.kube.apply` applies
the guardian's own Deployment and RBAC (`undertow guardian install`).
"""

from undertow.kube.api import KubeApi
from undertow.kube.connect import connect
from undertow.kube.refs import ObjectRef
from undertow.kube.retry import RetryPolicy

__all__ = ["KubeApi", "ObjectRef", "RetryPolicy", "connect"]
