"""Reading targets from the cluster with server-side selection and pagination.

Objects are reduced to the fields the scenarios use (`slim_pod`), so listing 10,000 pods
keeps memory small. Regexes use `re.match`, as Krkn does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from undertow.scenarios.common.selectors import parse_selector
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.common.targets import filter_pods

if TYPE_CHECKING:
    from undertow.kube import KubeApi

_POD_META = ("name", "namespace", "uid", "labels", "ownerReferences", "deletionTimestamp")
_LITERAL = re.compile(r"^\^?([a-z0-9]([-a-z0-9]*[a-z0-9])?)\$$")


def slim_pod(pod: Obj) -> dict[str, Any]:
    """The parts of a pod that selection, deletion and recovery checks read."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {key: meta[key] for key in _POD_META if key in meta},
        "spec": {"nodeName": (pod.get("spec") or {}).get("nodeName")},
        "status": {
            "phase": status.get("phase"),
            "conditions": [
                {"type": c.get("type"), "status": c.get("status")}
                for c in status.get("conditions") or []
                if c.get("type") == "Ready"
            ],
        },
    }


def namespaces_matching(api: KubeApi, pattern: str, label_selector: str = "") -> list[str]:
    """Namespace names matched by `pattern` (and the label selector, if any), sorted."""
    regex = re.compile(pattern) if pattern else None
    listed = api.iter("v1", "Namespace", label_selector=label_selector or None)
    found = (name_of(ns) for ns in listed)
    return sorted(name for name in found if regex is None or regex.match(name))


def _pod_pages(
    api: KubeApi, namespace_pattern: str, label_selector: str
) -> Iterator[dict[str, Any]]:
    """Pods that may match, listed with as little data transfer as the pattern allows."""
    selector = label_selector or None
    literal = _LITERAL.match(namespace_pattern)
    if literal and namespace_pattern.startswith("^"):
        namespaces = [literal.group(1)]
    else:
        namespaces = namespaces_matching(api, namespace_pattern)
    if len(namespaces) <= 3:
        for namespace in namespaces:
            yield from (slim_pod(p) for p in api.iter("v1", "Pod", namespace, selector))
    else:
        yield from (slim_pod(p) for p in api.iter("v1", "Pod", None, selector))


def find_pods(
    api: KubeApi,
    *,
    namespace_pattern: str,
    label_selector: str = "",
    name_pattern: str = "",
    exclude_label: str = "",
    node_label_selector: str = "",
    node_names: list[str] | None = None,
) -> list[Obj]:
    """The pods a pod-disruption entry targets (not terminating), in the API's order."""
    nodes: set[str] | None = set(node_names) if node_names else None
    if node_label_selector:
        labelled = {name_of(n) for n in api.iter("v1", "Node", label_selector=node_label_selector)}
        nodes = labelled if nodes is None else nodes & labelled
    return filter_pods(
        _pod_pages(api, namespace_pattern, label_selector),
        namespace_pattern=namespace_pattern,
        name_pattern=name_pattern,
        exclude=parse_selector(exclude_label) if exclude_label else None,
        node_names=nodes,
    )
