"""The kube layer's reads against the local control plane."""

from __future__ import annotations

from pathlib import Path

import pytest
from objects import config_map

from undertow import errors
from undertow.kube import KubeApi, ObjectRef, mutate


def test_list_follows_pages_and_applies_selectors(api: KubeApi, namespace: str) -> None:
    for i in range(25):
        manifest = config_map(f"cm-{i}", namespace)
        manifest["metadata"]["labels"] = {"parity": "even" if i % 2 == 0 else "odd"}
        mutate.create(api, manifest)
    small_pages = KubeApi(api.dynamic, page_size=4)
    names = {o["metadata"]["name"] for o in small_pages.list("v1", "ConfigMap", namespace)}
    assert {f"cm-{i}" for i in range(25)} <= names
    even = small_pages.list("v1", "ConfigMap", namespace, label_selector="parity=even")
    assert len(even) == 13 and all(o["kind"] == "ConfigMap" for o in even)
    by_field = api.list("v1", "ConfigMap", namespace, field_selector="metadata.name=cm-3")
    assert [o["metadata"]["name"] for o in by_field] == ["cm-3"]


def test_reads_raise_undertow_errors(api: KubeApi, namespace: str) -> None:
    with pytest.raises(errors.NotFound, match=f"get ConfigMap {namespace}/missing: 404"):
        api.get(ObjectRef("v1", "ConfigMap", "missing", namespace))
    with pytest.raises(errors.NotFound, match="does not serve"):
        api.get(ObjectRef("example.com/v1", "Widget", "w", namespace))
    assert api.list_nodes() and api.list_namespaces(label_selector="undertow.io/test=true")
    assert api.server_version().startswith("v1.")


def test_deletes_hand_their_connection_back_for_reuse(kubeconfig: str, namespace: str) -> None:
    """A delete's unread answer kept its connection busy, so each delete opened a new one
    (a TLS handshake on both sides); the pool is as large as the calls run in parallel."""
    from undertow.kube import connect

    kube = connect(Path(kubeconfig))
    try:
        client = kube.dynamic.client
        assert client.configuration.connection_pool_maxsize == 32
        pool = client.rest_client.pool_manager.connection_from_url(client.configuration.host)
        names = [f"reuse-{i}" for i in range(5)]
        for name in names:
            mutate.create(kube, config_map(name, namespace))
        opened = pool.num_connections
        for name in names:
            mutate.delete(kube, ObjectRef("v1", "ConfigMap", name, namespace))
        assert pool.num_connections == opened
    finally:
        kube.close()
