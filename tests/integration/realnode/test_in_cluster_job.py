"""deploy/'s Job runs undertow as a pod on the real node, against the cluster it runs in
(in-cluster config, the least-privilege ServiceAccount), with its versions dir on a local PV.
A pod whose undertow is SIGKILLed mid-run (no chance to roll back) leaves its change
journaled on the PV;
the Job's next pod rolls it back in its init container before running again."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from real_pods import container_host_pid, wait_for

from undertow.cluster import StateDir, images, realnode
from undertow.cluster.realnode import host
from undertow.cluster.toolchain import cache_root, tools_dir

REPO = tools_dir().parent
DEMO = "undertow-demo"
JOB_NS = "undertow"
LOCAL_CLASS = "undertow-local"


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _apply(api_client: Any, docs: list[dict[str, Any]]) -> None:
    from kubernetes import utils

    for doc in docs:
        utils.create_from_dict(api_client, doc)


def _delete(api_client: Any, docs: list[dict[str, Any]]) -> None:
    from kubernetes import dynamic
    from kubernetes.client.exceptions import ApiException

    dyn = dynamic.DynamicClient(api_client)
    for doc in reversed(docs):
        resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
        meta = doc["metadata"]
        try:
            resource.delete(
                name=meta["name"],
                namespace=meta.get("namespace"),
                body={"propagationPolicy": "Foreground"},
            )
        except ApiException as exc:
            if exc.status != 404:
                raise


def _placed(pod_spec: dict[str, Any]) -> None:
    pod_spec["nodeSelector"] = {realnode.REAL_NODE_LABEL: "true"}
    pod_spec["tolerations"] = [{"key": realnode.REAL_NODE_LABEL, "operator": "Exists"}]


def _job_docs(pv_name: str) -> list[dict[str, Any]]:
    """deploy/job.yaml with the local image, the real node's placement, a local PV and a
    config whose one scenario lasts long enough to be killed in the middle."""
    config_map, claim, job = _docs(REPO / "deploy" / "job.yaml")
    config_map["data"] = {
        "config.yaml": "scenarios:\n  - application_outages_scenarios:\n      - outage.yaml\n"
        "rollback: {auto: true}\ntunings: {iterations: 1, wait_duration: 0}\n",
        "outage.yaml": yaml.safe_dump(
            {
                "application_outage": {
                    "duration": 600,
                    "namespace": DEMO,
                    "pod_selector": {"app": "web"},
                    "block": ["Ingress"],
                }
            }
        ),
    }
    claim["spec"]["storageClassName"] = LOCAL_CLASS
    claim["spec"]["volumeName"] = pv_name
    spec = job["spec"]["template"]["spec"]
    _placed(spec)
    for container in [*spec["initContainers"], *spec["containers"]]:
        container["image"] = images.UNDERTOW
        container["imagePullPolicy"] = "IfNotPresent"
    return [config_map, claim, job]


def _local_pv(name: str, path: Path) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": LOCAL_CLASS,
            "local": {"path": str(path)},
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "kubernetes.io/hostname",
                                    "operator": "In",
                                    "values": [realnode.NODE_NAME],
                                }
                            ]
                        }
                    ]
                }
            },
        },
    }


def _journal_key_secret() -> dict[str, Any]:
    """The Secret deploy/job.yaml mounts the journal key from (deploy/README.md)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "undertow-journal-key", "namespace": JOB_NS},
        "stringData": {"journal.key": secrets.token_hex(32)},
    }


@pytest.fixture
def undertow_image(kubeconfig: str, real_node: Any) -> str:
    image = images.undertow_image(REPO, cache_root() / "images", sys.executable)
    realnode.import_images(StateDir(Path(kubeconfig).parent), [image], lambda _m: None)
    return image.ref


@pytest.fixture
def job_setup(api_client: Any, real_node: Any) -> Iterator[tuple[list[dict[str, Any]], Path]]:
    suffix = uuid.uuid4().hex[:6]
    pv_dir = host.VOLUMES_DIR / f"undertow-job-{suffix}"
    pv_dir.mkdir()
    pv = _local_pv(f"undertow-job-{suffix}", pv_dir)
    workload = _docs(REPO / "examples" / "workload.yaml")
    rbac = _docs(REPO / "deploy" / "rbac.yaml")
    job = _job_docs(pv["metadata"]["name"])
    key = _journal_key_secret()
    everything = [*rbac, *workload, pv, key, *job]
    _apply(api_client, [*rbac, *workload, pv, key])
    try:
        yield job, pv_dir
    finally:
        _delete(api_client, everything)
        import shutil

        shutil.rmtree(pv_dir, ignore_errors=True)


def _pods(core: Any) -> list[Any]:
    return core.list_namespaced_pod(JOB_NS, label_selector="app.kubernetes.io/name=undertow").items


def _policies(api_client: Any) -> list[Any]:
    from kubernetes import client

    return client.NetworkingV1Api(api_client).list_namespaced_network_policy(DEMO).items


def test_a_killed_job_pod_is_rolled_back_by_the_next_one(
    core: Any, api_client: Any, kubeconfig: str, undertow_image: str, job_setup: Any
) -> None:
    job, pv_dir = job_setup
    wait_for("the sample workload Ready", lambda: _ready_web(core) == 3)
    _apply(api_client, job)

    first_policy = wait_for("the first pod's outage policy", lambda: _policies(api_client))[0]
    first = next(p for p in _pods(core) if p.status.phase == "Running")
    assert first.spec.node_name == realnode.NODE_NAME
    pending = list(pv_dir.glob("rollback/*/application_outages_scenarios_*.py"))
    assert len(pending) == 1, "the change is journaled on the PV before it is made"

    # SIGKILL of undertow in the pod, as when a node or runner is lost: it cannot roll back by
    # itself (deleting the pod would send SIGTERM first, and undertow would roll back).
    os.kill(container_host_pid(kubeconfig, first), signal.SIGKILL)

    def first_policy_gone() -> bool:
        names = {p.metadata.uid for p in _policies(api_client)}
        return first_policy.metadata.uid not in names

    try:
        wait_for("the next pod rolls the killed run back", first_policy_gone, deadline_s=240)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_diagnose(core)}") from None
    executed = pending[0].with_name(pending[0].name + ".executed")
    wait_for("the dead run's version file marked executed", executed.exists)
    second = next(p for p in _pods(core) if p.metadata.name != first.metadata.name)
    init = second.status.init_container_statuses or []
    assert init and init[0].name == "rollback"
    logs = core.read_namespaced_pod_log(second.metadata.name, JOB_NS, container="rollback")
    assert "restored" in logs or "deleted" in logs, logs


def _ready_web(core: Any) -> int:
    pods = core.list_namespaced_pod(DEMO, label_selector="app=web").items
    return sum(
        any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or []))
        for p in pods
    )


def _diagnose(core: Any) -> str:
    """The Job's pods, their containers' states and logs: what a failure needs to be read."""
    lines = []
    for pod in _pods(core):
        lines.append(f"pod {pod.metadata.name}: {pod.status.phase}")
        statuses = [
            *(pod.status.init_container_statuses or []),
            *(pod.status.container_statuses or []),
        ]
        for status in statuses:
            lines.append(f"  {status.name}: {status.state}")
            try:
                log = core.read_namespaced_pod_log(pod.metadata.name, JOB_NS, container=status.name)
            except Exception as exc:
                log = f"(no log: {exc})"
            lines.append("    " + log[-1500:].replace("\n", "\n    "))
    return "\n".join(lines)
