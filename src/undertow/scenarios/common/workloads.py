"""The objects of a namespace that service disruption deletes, measures and restores.

`WORKLOAD_KINDS` are the kinds Krkn's service disruption deletes, in its order. Only
top-level objects are taken: an object with a controlling owner (the ReplicaSet of a
Deployment, the pods of a ReplicaSet) goes with its owner and comes back with it, and a
snapshot of it could not be restored anyway (its owner reference would point at an owner
that no longer exists, and the garbage collector would delete it again).

`SUPPORT_KINDS` are what a workload needs to run again after its whole namespace is
recreated (configuration, identity, RBAC, policies). Objects the control plane makes in
every namespace (the `default` ServiceAccount, `kube-root-ca.crt`, token Secrets) are left
to it. PersistentVolumeClaims are deliberately absent: their data cannot be restored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from undertow.scenarios.common.status import Obj, controller_uid, is_terminating, name_of

if TYPE_CHECKING:
    from undertow.kube import KubeApi

Kind = tuple[str, str]
"""(apiVersion, kind)."""

WORKLOAD_KINDS: tuple[Kind, ...] = (
    ("v1", "Service"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "Deployment"),
)
EXTRA_WORKLOAD_KINDS: tuple[Kind, ...] = (
    ("batch/v1", "CronJob"),
    ("batch/v1", "Job"),
    ("v1", "Pod"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
)
SUPPORT_KINDS: tuple[Kind, ...] = (
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
)
NAMESPACE_KINDS = WORKLOAD_KINDS + EXTRA_WORKLOAD_KINDS + SUPPORT_KINDS
"""Deleted one by one, in this order, before a namespace whose restore was asked for, so
that undoing newest first recreates the namespace, then what workloads need, then them."""


def made_by_control_plane(obj: Obj) -> bool:
    kind, name = obj.get("kind"), name_of(obj)
    if kind == "ServiceAccount":
        return name == "default"
    if kind == "ConfigMap":
        return name == "kube-root-ca.crt"
    if kind == "Secret":
        return obj.get("type") == "kubernetes.io/service-account-token"
    return False


def top_level(objects: Iterable[Obj]) -> Iterator[Obj]:
    """Objects without a controlling owner, not being deleted, not the control plane's."""
    for obj in objects:
        owned = controller_uid(obj) is not None
        if not owned and not is_terminating(obj) and not made_by_control_plane(obj):
            yield obj


def list_top_level(api: KubeApi, namespace: str, kinds: Iterable[Kind]) -> list[Obj]:
    """The namespace's top-level objects of `kinds`, kind by kind in the given order."""
    found: list[Obj] = []
    for api_version, kind in kinds:
        found.extend(top_level(api.iter(api_version, kind, namespace)))
    return found


def object_key(obj: Obj) -> str:
    """`Kind/name`, how reports and recovery name one object of a namespace."""
    return f"{obj.get('kind')}/{name_of(obj)}"
