"""Service names in the endpoints' URLs, resolved to cluster IPs for the vegeta pods' /etc/hosts.

A URL such as `http://web.shop.svc/` needs the cluster's DNS; a cluster without it (or a pod
whose DNS is not the cluster's) cannot send a single request. undertow reads each such
Service's cluster IP and gives the pods a `hostAliases` entry for the name: where cluster DNS
works it gives the same address. A name whose Service is missing is left to DNS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from undertow.errors import NotFound
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.http_load.spec import Endpoint

_SERVICE_HOST = re.compile(
    r"^(?P<name>[a-z0-9-]+)\.(?P<namespace>[a-z0-9-]+)\.svc(\.cluster\.local)?$"
)


def service_host(url: str) -> tuple[str, str] | None:
    """(name, namespace) when the URL's host is `<service>.<namespace>.svc[.cluster.local]`."""
    match = _SERVICE_HOST.match(urlsplit(url).hostname or "")
    return (match["name"], match["namespace"]) if match else None


def service_targets(endpoints: Iterable[Endpoint]) -> list[str]:
    """The Services the endpoints' URLs name, as `namespace/name` (other hosts are not
    the cluster's, so not counted as its targets)."""
    found = {service_host(e.url) for e in endpoints}
    return sorted(f"{host[1]}/{host[0]}" for host in found if host is not None)


def host_aliases(api: KubeApi, endpoints: Iterable[Endpoint]) -> list[dict[str, Any]]:
    """One `hostAliases` entry per cluster IP, naming the Service hosts that resolve to it."""
    names: dict[str, set[str]] = {}
    for endpoint in endpoints:
        found = service_host(endpoint.url)
        if found is None:
            continue
        try:
            service = api.get(ObjectRef("v1", "Service", found[0], found[1]))
        except NotFound:
            continue
        ip = str((service.get("spec") or {}).get("clusterIP") or "")
        if ip and ip != "None":
            names.setdefault(ip, set()).add(urlsplit(endpoint.url).hostname or "")
    return [{"ip": ip, "hostnames": sorted(hosts)} for ip, hosts in sorted(names.items())]
