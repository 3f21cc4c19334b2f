"""`KubeApi`: reads from the cluster, retried and with errors wrapped.

It talks to the API through one `kubernetes.dynamic.DynamicClient` (generic over kinds,
plain dicts out). It has no public mutating methods: scenarios change the cluster only
through `undertow.rollback.client.JournaledClient`, which uses `undertow.kube.mutate`.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterator
from typing import Any

from undertow import errors
from undertow.kube.refs import ObjectRef
from undertow.kube.retry import RetryPolicy, call
from undertow.undo.k8s_api import find_resource

PAGE_SIZE = 500


class KubeApi:
    """Read access to one cluster. Build it with `undertow.kube.connect()`."""

    def __init__(
        self, dynamic: Any, *, retry: RetryPolicy | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        self._dynamic = dynamic
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self._resources: dict[tuple[str, str], Any] = {}

    @property
    def dynamic(self) -> Any:
        """The underlying DynamicClient (for the undo verbs and the mutation helpers)."""
        return self._dynamic

    def resource(self, api_version: str, kind: str) -> Any:
        """The discovered API resource for a kind (raises NotFound for unknown kinds); found
        once per client (the client's lookup scans every resource the server serves)."""
        from kubernetes.dynamic.exceptions import ResourceNotFoundError

        def discover() -> Any:
            try:
                return find_resource(self._dynamic, api_version, kind)
            except ResourceNotFoundError as exc:
                message = f"the cluster does not serve {kind} in {api_version}"
                raise errors.NotFound(message) from exc

        key = (api_version, kind)
        if key not in self._resources:
            self._resources[key] = call(
                discover, f"discover {kind} in {api_version}", policy=self.retry
            )
        return self._resources[key]

    def is_namespaced(self, api_version: str, kind: str) -> bool:
        return bool(self.resource(api_version, kind).namespaced)

    def get(self, ref: ObjectRef) -> dict[str, Any]:
        """The object as a dict; raises errors.NotFound if it does not exist."""
        resource = self.resource(ref.api_version, ref.kind)
        namespace = ref.namespace if resource.namespaced else None
        response = call(
            lambda: resource.get(name=ref.name, namespace=namespace, serialize=False),
            f"get {ref}",
            policy=self.retry,
        )
        obj: dict[str, Any] = json.loads(response.data)
        return obj

    def iter(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching object, fetched page by page (selectors applied by the server)."""
        resource = self.resource(api_version, kind)
        token: str | None = None
        where = f" in {namespace}" if namespace else ""
        while True:
            response = call(
                lambda page=token: resource.get(  # type: ignore[misc]
                    namespace=namespace if resource.namespaced else None,
                    label_selector=label_selector,
                    field_selector=field_selector,
                    limit=self.page_size,
                    _continue=page,
                    serialize=False,
                ),
                f"list {kind}{where}",
                policy=self.retry,
            )
            body = json.loads(response.data)
            for item in body.get("items") or []:
                item.setdefault("apiVersion", api_version)
                item.setdefault("kind", kind)
                yield item
            token = (body.get("metadata") or {}).get("continue")
            if not token:
                return

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> builtins.list[dict[str, Any]]:
        return list(self.iter(api_version, kind, namespace, label_selector, field_selector))

    def list_namespaces(self, label_selector: str | None = None) -> builtins.list[dict[str, Any]]:
        return self.list("v1", "Namespace", label_selector=label_selector)

    def list_pods(
        self,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> builtins.list[dict[str, Any]]:
        return self.list("v1", "Pod", namespace, label_selector, field_selector)

    def list_nodes(self, label_selector: str | None = None) -> builtins.list[dict[str, Any]]:
        return self.list("v1", "Node", label_selector=label_selector)

    def pod_log(self, namespace: str, name: str, *, limit_bytes: int = 1 << 20) -> str:
        """The pod's (first container's) log, at most `limit_bytes`; raises errors.NotFound."""
        from kubernetes import client

        core = client.CoreV1Api(self._dynamic.client)
        text: str = call(
            lambda: core.read_namespaced_pod_log(name, namespace, limit_bytes=limit_bytes),
            f"read the log of pod {namespace}/{name}",
            policy=self.retry,
        )
        return text

    def listable_kinds(self) -> builtins.list[tuple[str, str]]:
        """(apiVersion, kind) of every served resource that can be listed and deleted."""
        found = set()
        for resource in self._dynamic.resources.search():
            name, kind = getattr(resource, "name", None), getattr(resource, "kind", None)
            verbs = getattr(resource, "verbs", None) or []
            if not name or not kind or "/" in name or kind.endswith("List"):
                continue  # subresources, and the client's synthetic *List resources
            if "list" not in verbs or "delete" not in verbs:
                continue
            found.add((resource.group_version, resource.kind))
        return sorted(found)

    def server_version(self) -> str:
        """The API server's gitVersion, e.g. "v1.35.4"."""
        return str(self._dynamic.version["kubernetes"]["gitVersion"])

    def close(self) -> None:
        self._dynamic.client.close()
