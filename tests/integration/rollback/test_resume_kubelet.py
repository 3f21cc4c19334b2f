"""The `resume_kubelet` undo against the real control plane (kwok nodes: their kubelet is
kwok, always up): it deletes the run's own helper pod and reports the node Ready; a dry run
changes nothing; a pod of another run is refused."""

from __future__ import annotations

import time
from typing import Any

import pytest

from undertow.errors import NotFound
from undertow.kube import KubeApi, ObjectRef
from undertow.rollback import JournaledClient
from undertow.scenarios.common.helper_pod import pin_to_node
from undertow.undo.guards import Refused
from undertow.undo.k8s_api import api_client, dynamic_client
from undertow.undo.outcome import FORMAT, RESTORED, WOULD_RESTORE
from undertow.undo.records import ResumeKubelet
from undertow.undo.verbs import undo


def _ready_kwok_node(api: KubeApi) -> str:
    for node in api.list_nodes():
        annotations = node["metadata"].get("annotations") or {}
        conditions = node.get("status", {}).get("conditions") or []
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        if annotations.get("kwok.x-k8s.io/node") == "fake" and ready:
            return str(node["metadata"]["name"])
    pytest.skip("no Ready kwok node")


def _helper(client: JournaledClient, namespace: str, node: str) -> dict[str, Any]:
    return client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "kubelet-helper", "namespace": namespace},
            "spec": {
                "affinity": pin_to_node(node),
                "tolerations": [{"operator": "Exists"}],
                "containers": [{"name": "fault", "image": "busybox"}],
            },
        }
    )


def _record(pod: dict[str, Any], node: str, run_id: str) -> ResumeKubelet:
    meta = pod["metadata"]
    return {
        "action": "resume_kubelet",
        "description": f"start the kubelet of node {node} again",
        "node": node,
        "resume_by": time.time() + 5,
        "format": FORMAT,
        "run_id": run_id,
        "target": {
            "api_version": "v1",
            "kind": "Pod",
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
        },
    }


def test_the_undo_deletes_the_helper_and_sees_the_node_ready(
    api: KubeApi, client: JournaledClient, namespace: str, kubeconfig: str
) -> None:
    node = _ready_kwok_node(api)
    pod = _helper(client, namespace, node)
    record = _record(pod, node, client.run_id)
    dyn = dynamic_client(api_client(kubeconfig, None))
    planned = undo(lambda: dyn, record, dry_run=True)
    assert planned.outcome == WOULD_RESTORE
    assert f"wait for node {node} to be Ready" in planned.detail
    assert api.get(ObjectRef.of(pod))["metadata"]["uid"] == pod["metadata"]["uid"]
    done = undo(lambda: dyn, record)
    assert done.outcome == RESTORED, done.detail
    with pytest.raises(NotFound):
        api.get(ObjectRef.of(pod))


def test_a_helper_of_another_run_is_refused(
    api: KubeApi, client: JournaledClient, namespace: str, kubeconfig: str
) -> None:
    node = _ready_kwok_node(api)
    pod = _helper(client, namespace, node)
    dyn = dynamic_client(api_client(kubeconfig, None))
    with pytest.raises(Refused, match="not a helper pod of the run"):
        undo(lambda: dyn, _record(pod, node, "another-run"))
    assert api.get(ObjectRef.of(pod))["metadata"]["uid"] == pod["metadata"]["uid"]
    client.revert(pod)
