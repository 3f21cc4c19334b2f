"""Which pods a Service sends traffic to, as its EndpointSlices say.

The EndpointSlice controller fills the slices from the Service's selector, so after a
selector change they show whether traffic really moved. A Service without a selector, or a
cluster whose controllers do not publish slices, has none: that is reported as "unknown"
(None), never as "no pods".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from undertow.scenarios.common.status import Obj

if TYPE_CHECKING:
    from undertow.kube import KubeApi

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def ready_pod_names(slices: Iterable[Obj]) -> set[str]:
    """Names of the pods listed as ready endpoints (a missing `ready` counts as ready)."""
    names: set[str] = set()
    for endpoint_slice in slices:
        for endpoint in endpoint_slice.get("endpoints") or []:
            target = endpoint.get("targetRef") or {}
            ready = (endpoint.get("conditions") or {}).get("ready")
            if target.get("kind") == "Pod" and ready is not False:
                names.add(str(target.get("name")))
    return names


def serving_pods(api: KubeApi, namespace: str, service: str) -> set[str] | None:
    """Pods the Service routes to now, or None when it has no EndpointSlice at all."""
    slices = api.list(
        "discovery.k8s.io/v1",
        "EndpointSlice",
        namespace,
        label_selector=f"{SERVICE_NAME_LABEL}={service}",
    )
    if not slices:
        return None
    return ready_pod_names(slices)
