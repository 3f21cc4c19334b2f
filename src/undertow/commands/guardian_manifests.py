"""The objects `undertow guardian install` creates: a Deployment and its least-privilege RBAC.

In the namespace it watches (where runs keep their Leases and journal copies) the guardian
may list, claim (patch) and delete Leases, read and mark (patch) the copies, and create
Events. Cluster-wide it holds only what the undo verbs need: delete what undertow created,
put back patched fields (Nodes, Services), recreate what it deleted. No exec, no eviction, no
Secrets outside its namespace, no deleting Nodes or Namespaces, no RBAC.
"""

from __future__ import annotations

from typing import Any

from undertow.runner.guardian import GUARDIAN_APP

NAME = GUARDIAN_APP
APP_LABEL = "app.kubernetes.io/name"
LABELS = {APP_LABEL: NAME, "app.kubernetes.io/part-of": "undertow"}

NAMESPACE_RULES: list[dict[str, Any]] = [
    {
        "apiGroups": ["coordination.k8s.io"],
        "resources": ["leases"],
        "verbs": ["list", "patch", "delete"],
    },
    {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get", "list", "patch"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
]
UNDO_RULES: list[dict[str, Any]] = [
    # delete_created finds a created object by its entry label (list) and deletes it;
    # recreate_deleted creates it again from its snapshot; every undo re-reads (get).
    {
        "apiGroups": [""],
        "resources": ["pods", "configmaps"],
        "verbs": ["get", "list", "create", "delete"],
    },
    {
        "apiGroups": [""],
        "resources": ["services"],
        "verbs": ["get", "list", "create", "delete", "patch"],
    },
    # restore_fields / remove_taint on cordoned or tainted nodes.
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "patch"]},
    {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
    {
        "apiGroups": ["apps"],
        "resources": ["deployments", "replicasets", "statefulsets", "daemonsets"],
        "verbs": ["get", "list", "create", "delete", "patch"],
    },
    {
        "apiGroups": ["networking.k8s.io"],
        "resources": ["networkpolicies"],
        "verbs": ["get", "list", "create", "delete"],
    },
]


def cluster_name(namespace: str) -> str:
    """The cluster-scoped objects are per watched namespace: `undertow-guardian-<ns>`."""
    return f"{NAME}-{namespace}"


def manifests(
    namespace: str,
    *,
    image: str,
    interval: float,
    claim: int,
    replicas: int = 1,
    pod_spec: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Everything, in creation order; `pod_spec` is merged into the pod's spec (placement)."""
    meta = {"name": NAME, "namespace": namespace, "labels": LABELS}
    subject = [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}]
    args = [
        "guardian", "run", "--namespace", namespace, "--interval", f"{interval:g}",
        "--claim", str(claim),
    ]  # fmt: skip
    container = {
        "name": "guardian",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "env": [  # the root filesystem is read-only: the client's temp files go here
            {"name": "HOME", "value": "/scratch"},
            {"name": "TMPDIR", "value": "/scratch"},
        ],
        "resources": {
            "requests": {"cpu": "10m", "memory": "64Mi"},
            "limits": {"memory": "256Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
    }
    spec: dict[str, Any] = {
        "serviceAccountName": NAME,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
        "containers": [container],
        "volumes": [{"name": "scratch", "emptyDir": {}}],
        **(pod_spec or {}),
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta,
         "rules": NAMESPACE_RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta,
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
         "subjects": subject},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": cluster_name(namespace), "labels": LABELS}, "rules": UNDO_RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": cluster_name(namespace), "labels": LABELS},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": cluster_name(namespace)},
         "subjects": subject},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
         "spec": {
             "replicas": replicas,
             "selector": {"matchLabels": {APP_LABEL: NAME}},
             "template": {"metadata": {"labels": LABELS}, "spec": spec},
         }},
    ]  # fmt: skip
