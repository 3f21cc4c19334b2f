"""The pods undertow runs itself for a fault (hog, and next network and storage helpers).

Every such pod ends its fault on its own: its command stops after the duration (e.g.
stress-ng's `--timeout`), `restartPolicy: Never` keeps it from starting again, and
`activeDeadlineSeconds` (duration plus a margin) makes the kubelet stop it even if that
command hangs. So a run that dies, with nobody left to roll back, cannot leave a fault
running; the journal (create → delete) then removes the finished pod.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from undertow.config.helper_pods import HelperPods
from undertow.errors import NotFound
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef

EXPIRY_MARGIN = 30
"""Seconds past the fault's duration before the kubelet stops a helper pod itself."""


def required_node_affinity(term: Mapping[str, Any]) -> dict[str, Any]:
    """An affinity that schedules a pod only on nodes matching the node selector `term`."""
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [dict(term)]}
        }
    }


def pin_to_node(node: str) -> dict[str, Any]:
    """Node affinity on the node's name (Krkn pins by `kubernetes.io/hostname`, a label a node
    need not carry); the scheduler still checks taints, resources and readiness."""
    return required_node_affinity(
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    )


def pod_phase(api: KubeApi, ref: ObjectRef) -> str:
    """A helper pod's phase now (`Gone` once it is deleted, `Pending` before it has one)."""
    try:
        pod = api.get(ref)
    except NotFound:
        return "Gone"
    return str((pod.get("status") or {}).get("phase") or "Pending")


def helper_pod(
    *,
    name: str,
    namespace: str,
    image: str,
    command: Sequence[str],
    duration: float,
    helpers: HelperPods,
    node: str | None = None,
    labels: Mapping[str, str] | None = None,
    tolerations: Sequence[Mapping[str, Any]] = (),
    volumes: Sequence[Mapping[str, Any]] = (),
    mounts: Sequence[Mapping[str, Any]] = (),
    privileged: bool = False,
    host_pid: bool = False,
    service_account: str = "",
) -> dict[str, Any]:
    """A pod that runs `command` once, for about `duration` seconds, pinned to `node` when
    given. Its image goes through the helper-pod image map; it tolerates the taints asked for
    plus those the cluster's helper placement names (never its node selector: the pod goes
    where the fault is aimed). `host_pid` lets it see the node's processes (a network helper
    enters a target's network namespace through one of them)."""
    container: dict[str, Any] = {
        "name": "fault",
        "image": helpers.image(image),
        "imagePullPolicy": "IfNotPresent",
        "command": list(command),
    }
    if mounts:
        container["volumeMounts"] = [dict(m) for m in mounts]
    if privileged:
        container["securityContext"] = {"privileged": True}
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "activeDeadlineSeconds": math.ceil(duration) + EXPIRY_MARGIN,
        "terminationGracePeriodSeconds": 1,
        "containers": [container],
    }
    if host_pid:
        spec["hostPID"] = True
    if service_account:
        spec["serviceAccountName"] = service_account
    all_tolerations = [*map(dict, tolerations), *map(dict, helpers.tolerations)]
    if all_tolerations:
        spec["tolerations"] = all_tolerations
    if node is not None:
        spec["affinity"] = pin_to_node(node)
    if volumes:
        spec["volumes"] = [dict(v) for v in volumes]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})},
        "spec": spec,
    }
