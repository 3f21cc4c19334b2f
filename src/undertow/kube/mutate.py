"""The writes undertow makes: create, delete (uid precondition), evict, JSON or merge patch.

Only `undertow.rollback.client.JournaledClient` calls these on the system under test, after
it has written the version file; undertow's own objects (the heartbeat Lease, the journal's
cluster copy, the guardian's claims and Events) use them too. Each is
retried only when the server certainly did not apply it (429); any other failure raises
at once. `errors.ServerError` from here means "unknown whether
it was applied": the caller keeps the undo pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from undertow.kube.api import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.kube.retry import call


def _release(response: Any) -> None:
    """Read an answer whose body is not needed to its end, which hands its connection back
    to the pool. Left unread, the connection stays busy and every later call opens a new one
    (a TLS handshake each, on both sides: the cost of most of a mass pod kill)."""
    response.drain_conn()
    response.release_conn()


def send(api: KubeApi, ref: ObjectRef, verb: str, request: Callable[[Any, str | None], Any]) -> Any:
    """One mutating request on `ref`'s resource: `request(resource, namespace)`, the namespace
    None for a cluster-scoped kind, under the mutation retry policy; returns the raw answer."""
    resource = api.resource(ref.api_version, ref.kind)
    namespace = ref.namespace if resource.namespaced else None
    return call(
        lambda: request(resource, namespace), f"{verb} {ref}", policy=api.retry, mutation=True
    )


def create(api: KubeApi, manifest: dict[str, Any]) -> dict[str, Any]:
    """Create `manifest`; returns the object the server stored (with its uid)."""
    meta = manifest.get("metadata") or {}
    ref = ObjectRef(
        str(manifest["apiVersion"]),
        str(manifest["kind"]),
        str(meta.get("name") or meta.get("generateName", "") + "*"),
        meta.get("namespace"),
    )
    response = send(
        api, ref, "create", lambda res, ns: res.create(body=manifest, namespace=ns, serialize=False)
    )
    created: dict[str, Any] = json.loads(response.data)
    return created


def delete(
    api: KubeApi,
    ref: ObjectRef,
    *,
    grace_period_seconds: int | None = None,
    propagation_policy: str = "Background",
) -> None:
    """Delete `ref`; if `ref.uid` is set, only that exact object (409 if it was replaced)."""
    body: dict[str, Any] = {"propagationPolicy": propagation_policy}
    if ref.uid:
        body["preconditions"] = {"uid": ref.uid}
    if grace_period_seconds is not None:
        body["gracePeriodSeconds"] = grace_period_seconds
    response = send(
        api,
        ref,
        "delete",
        lambda res, ns: res.delete(name=ref.name, namespace=ns, body=body, serialize=False),
    )
    _release(response)


def evict(api: KubeApi, ref: ObjectRef) -> None:
    """Evict pod `ref` through the Eviction API, which honours PodDisruptionBudgets: while a
    budget forbids it the server answers 429 (retried with backoff, then raised)."""
    pods = api.resource("v1", "Pod")
    body: dict[str, Any] = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": ref.name, "namespace": ref.namespace},
    }
    if ref.uid:
        body["deleteOptions"] = {"preconditions": {"uid": ref.uid}}
    eviction = pods.subresources["eviction"]
    response = call(
        lambda: eviction.create(body=body, name=ref.name, namespace=ref.namespace, serialize=False),
        f"evict {ref}",
        policy=api.retry,
        mutation=True,
    )
    _release(response)


def json_patch(api: KubeApi, ref: ObjectRef, ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply an RFC 6902 JSON patch (its `test` ops make it conditional); returns the object."""
    return _patch(api, ref, ops, "application/json-patch+json")


def merge_patch(api: KubeApi, ref: ObjectRef, body: dict[str, Any]) -> dict[str, Any]:
    """Apply an RFC 7386 JSON merge patch (it adds map keys whether or not the map exists
    yet, and leaves the other keys alone); returns the object."""
    return _patch(api, ref, body, "application/merge-patch+json")


def _patch(api: KubeApi, ref: ObjectRef, body: Any, content_type: str) -> dict[str, Any]:
    response = send(
        api,
        ref,
        "patch",
        lambda res, ns: res.patch(
            body=body, name=ref.name, namespace=ns, content_type=content_type, serialize=False
        ),
    )
    patched: dict[str, Any] = json.loads(response.data)
    return patched
