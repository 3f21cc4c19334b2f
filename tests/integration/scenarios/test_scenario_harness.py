"""The tests' cluster snapshot compares what undertow may change, not what controllers or
other test processes sharing the cluster do on their own meanwhile."""

from __future__ import annotations

from typing import Any

from kwok_nodes import kwok_node
from scenario_harness import cluster_state, wait_for

from undertow.kube import KubeApi


def test_the_root_ca_configmap_a_controller_adds_is_not_part_of_the_snapshot(
    kube_api: KubeApi, namespace: str
) -> None:
    wait_for(lambda: kube_api.list("v1", "ConfigMap", namespace))  # kube-root-ca.crt appeared
    assert cluster_state(kube_api, [namespace])["namespaces"][namespace]["config_maps"] == []


def test_nodes_another_test_process_adds_are_not_part_of_the_snapshot(
    kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    name = f"other-{namespace[-6:]}"
    # As another process's chaos_nodes makes it (its group label), but not made here.
    core.create_node(kwok_node(name, "zone-other", labels={"undertow.io/test-nodes": "other"}))
    try:
        assert name not in cluster_state(kube_api, [namespace])["nodes"]
    finally:
        core.delete_node(name)
