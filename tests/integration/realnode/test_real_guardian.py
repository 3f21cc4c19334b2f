"""The guardian as pods of undertow's own image on the real node (`undertow guardian install`),
watching only this test's namespace: two replicas roll a SIGKILLed run back exactly once from
its cluster copy, leave a live run alone, and their ServiceAccount is refused what the
guardian never does."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from journal_copy import journal_copy, read_lease

from undertow.cluster import StateDir, images, realnode
from undertow.cluster.realnode.configs import REAL_NODE_LABEL
from undertow.cluster.toolchain import cache_root, tools_dir

REPO = tools_dir().parent
GUARDIAN = "undertow-guardian"


def _until(check: Callable[[], Any], what: str, timeout: float = 180) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)
    return found


def _undertow(
    tmp: Path, kubeconfig: str, *args: str, wait: bool = True
) -> subprocess.Popen[str] | subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state")}
    command = [sys.executable, "-m", "undertow", *args, "--kubeconfig", kubeconfig]
    if wait:
        return subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _config(tmp: Path, namespace: str) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "s.yaml").write_text(
        f"sleep:\n  duration: 120\n  outcome: pass\n  configmap_namespace: {namespace}\n"
    )
    config = tmp / "config.yaml"
    config.write_text(
        "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        "tunings: {wait_duration: 0}\n"
        f"undertow:\n  heartbeat: {{interval: 1, grace: 3, namespace: {namespace}}}\n"
        f"  allow_protected_namespaces: [{namespace}]\n"  # undertow's, and the target's
    )
    return config


def _sleep_configmaps(api_client: Any, namespace: str) -> list[str]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_config_map(namespace).items
    return sorted(i.metadata.name for i in items if i.metadata.name.startswith("sleep-"))


def _events(api_client: Any, namespace: str, run_id: str) -> list[Any]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_event(namespace).items
    return [e for e in items if (e.metadata.labels or {}).get("undertow.io/run-id") == run_id]


@pytest.fixture(scope="module")
def guardian_image(kubeconfig: str, real_node: Any) -> str:
    """undertow's image from this checkout, imported into the real node once."""
    image = images.undertow_image(REPO, cache_root() / "images", sys.executable)
    realnode.import_images(StateDir(Path(kubeconfig).parent), [image], lambda _m: None)
    return image.ref


@contextlib.contextmanager
def _installed(
    tmp: Path, kubeconfig: str, image: str, namespace: str, *, replicas: int, claim: int
) -> Iterator[str]:
    """`replicas` guardian pods of undertow's image on the real node, watching `namespace`;
    uninstalled afterwards (its cluster-scoped RBAC included)."""
    installed = _undertow(
        tmp, kubeconfig, "guardian", "install", "--namespace", namespace,
        "--image", image, "--interval", "1", "--claim", str(claim), "--replicas", str(replicas),
        "--node-selector", f"{REAL_NODE_LABEL}=true", "--toleration", REAL_NODE_LABEL,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    try:
        _until(
            lambda: (
                f"{replicas}/{replicas} ready"
                in _undertow(tmp, kubeconfig, "guardian", "status", "-n", namespace).stdout
            ),
            f"{replicas} ready guardian replica(s)",
        )
        yield namespace
    finally:
        removed = _undertow(tmp, kubeconfig, "guardian", "uninstall", "-n", namespace)
        assert removed.returncode == 0, removed.stdout + removed.stderr


@pytest.fixture
def guardian(tmp_path: Path, kubeconfig: str, guardian_image: str, namespace: str) -> Iterator[str]:
    """Two guardian replicas watching `namespace`."""
    with _installed(tmp_path, kubeconfig, guardian_image, namespace, replicas=2, claim=20):
        yield namespace


def test_two_guardian_pods_roll_back_a_killed_run_once_and_leave_a_live_run_alone(
    tmp_path: Path, kubeconfig: str, api_client: Any, guardian: str
) -> None:
    namespace = guardian
    live_id, dead_id = str(uuid.uuid4()), str(uuid.uuid4())
    live = _undertow(
        tmp_path / "live", kubeconfig, "run", "-c", str(_config(tmp_path / "live", namespace)),
        "--run-id", live_id, "--guardian", "required", wait=False,
    )  # fmt: skip
    dead = _undertow(
        tmp_path / "dead", kubeconfig, "run", "-c", str(_config(tmp_path / "dead", namespace)),
        "--run-id", dead_id, wait=False,
    )  # fmt: skip
    assert isinstance(live, subprocess.Popen) and isinstance(dead, subprocess.Popen)
    try:
        _until(lambda: journal_copy(api_client, namespace, live_id), "the live run's copy")
        _until(lambda: journal_copy(api_client, namespace, dead_id), "the killed run's copy")
        dead.send_signal(signal.SIGKILL)
        dead.communicate(timeout=30)

        done = _until(lambda: _events(api_client, namespace, dead_id), "the guardian's Event")
        assert [e.reason for e in done] == ["RunRolledBack"], [e.message for e in done]
        assert "1 restored" in done[0].message
        (key,) = journal_copy(api_client, namespace, dead_id).data
        assert key.endswith(".executed")
        assert len(_sleep_configmaps(api_client, namespace)) == 1  # the live run's only
        assert _events(api_client, namespace, live_id) == []
        time.sleep(3)  # a few more guardian passes: still one Event, still one restore
        assert len(_events(api_client, namespace, dead_id)) == 1
        assert len(_sleep_configmaps(api_client, namespace)) == 1
    finally:
        if dead.poll() is None:
            dead.kill()
        live.send_signal(signal.SIGTERM)
        output = live.communicate(timeout=120)[0]
    assert live.returncode == 143, output
    assert _sleep_configmaps(api_client, namespace) == []


def _token_client(api_client: Any, kubeconfig: str, namespace: str, tmp: Path) -> Any:
    from kubernetes import client, config

    core = client.CoreV1Api(api_client)
    request = {"spec": {"audiences": None, "expirationSeconds": 3600}}
    token = core.create_namespaced_service_account_token(GUARDIAN, namespace, request)
    admin = yaml.safe_load(Path(kubeconfig).read_text("utf-8"))
    cluster = admin["clusters"][0]["cluster"]
    if "certificate-authority" in cluster:
        ca = Path(cluster["certificate-authority"])
        cluster["certificate-authority"] = str(
            ca if ca.is_absolute() else Path(kubeconfig).parent / ca
        )
    path = tmp / "guardian.kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "local", "cluster": cluster}],
                "users": [{"name": GUARDIAN, "user": {"token": token.status.token}}],
                "contexts": [{"name": GUARDIAN, "context": {"cluster": "local", "user": GUARDIAN}}],
                "current-context": GUARDIAN,
            }
        )
    )
    return config.new_client_from_config(config_file=str(path))


def test_the_guardian_identity_is_refused_what_it_does_not_need(
    tmp_path: Path, kubeconfig: str, api_client: Any, guardian: str
) -> None:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    namespace = guardian
    as_guardian = _token_client(api_client, kubeconfig, namespace, tmp_path)
    core = client.CoreV1Api(as_guardian)
    coordination = client.CoordinationV1Api(as_guardian)
    rbac = client.RbacAuthorizationV1Api(as_guardian)
    lease = {"metadata": {"name": "x"}, "spec": {"holderIdentity": "x"}}
    refused: dict[str, Callable[[], Any]] = {
        "secrets elsewhere": lambda: core.list_namespaced_secret("kube-system"),
        "leases elsewhere": lambda: coordination.create_namespaced_lease("kube-system", lease),
        "creating leases": lambda: coordination.create_namespaced_lease(namespace, lease),
        "deleting nodes": lambda: core.delete_node(realnode.NODE_NAME),
        "deleting namespaces": lambda: core.delete_namespace("kube-system"),
        "exec": lambda: core.connect_post_namespaced_pod_exec("x", namespace, command=["true"]),
        "eviction": lambda: core.create_namespaced_pod_eviction(
            "x", namespace, {"metadata": {"name": "x", "namespace": namespace}}
        ),
        "RBAC": rbac.list_cluster_role,
        "writing secrets": lambda: core.create_namespaced_secret(
            namespace, {"metadata": {"name": "x"}}
        ),
    }
    try:
        assert coordination.list_namespaced_lease(namespace).items is not None  # the token works
        assert core.list_namespaced_config_map(namespace).items is not None
        for what, call in refused.items():
            with pytest.raises(ApiException) as caught:
                call()
            assert caught.value.status == 403, what
    finally:
        as_guardian.close()


ENTRIES = 400
"""Enough entries that the guardian's rollback outlasts its pod's deletion by seconds."""


def _dead_run_with_many_entries(kubeconfig: str, namespace: str, versions: Path) -> str:
    """A run that created ENTRIES ConfigMaps (journaled, copied) and died: its Lease lapsed."""
    from concurrent.futures import ThreadPoolExecutor

    from undertow.kube import connect, mutate
    from undertow.rollback import JournaledClient
    from undertow.rollback.cluster_copy import ClusterCopy
    from undertow.rollback.journal import Journal
    from undertow.runner.heartbeat import lease_name
    from undertow.runner.lease import micro_time
    from undertow.undo.labels import RUN_LABEL

    api = connect(Path(kubeconfig))
    journal = Journal.open(versions, str(uuid.uuid4()))
    journal.attach_copy(ClusterCopy(api, namespace=namespace, run_id=journal.run_id))
    client = JournaledClient(api, journal, "sleep_scenarios")
    try:
        with ThreadPoolExecutor(4) as pool:
            for made in pool.map(
                lambda i: client.create(
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": f"sleep-{i}", "namespace": namespace},
                    }
                ),
                range(ENTRIES),
            ):
                assert made["metadata"]["uid"]
        journal.close()  # the run is gone; its entries stay pending, on disk and in the copy
        mutate.create(
            api,
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {
                    "name": lease_name(journal.run_id),
                    "namespace": namespace,
                    "labels": {RUN_LABEL: journal.run_id},
                },
                "spec": {
                    "holderIdentity": "a-dead-runner/1",
                    "leaseDurationSeconds": 1,
                    "renewTime": micro_time(time.time() - 60),
                },
            },
        )
    finally:
        api.close()
    return journal.run_id


def _copy_keys(api_client: Any, namespace: str, run_id: str) -> list[str]:
    """The keys of all the run's copy objects (its entries spread over several)."""
    from kubernetes import client

    selector = f"undertow.io/run-id={run_id},undertow.io/journal-copy=true"
    items = (
        client.CoreV1Api(api_client)
        .list_namespaced_config_map(namespace, label_selector=selector)
        .items
    )
    assert len(items) > 1
    return sorted(key for item in items for key in item.data or {})


def test_a_guardian_pod_deleted_mid_rollback_is_replaced_and_the_cluster_still_restored(
    tmp_path: Path, kubeconfig: str, api_client: Any, guardian_image: str, namespace: str
) -> None:
    from kubernetes import client

    from undertow.runner.heartbeat import lease_name

    core = client.CoreV1Api(api_client)
    with _installed(tmp_path, kubeconfig, guardian_image, namespace, replicas=1, claim=10):
        run_id = _dead_run_with_many_entries(kubeconfig, namespace, tmp_path / "versions")

        def claimed_by() -> str:
            lease = read_lease(api_client, namespace, lease_name(run_id))
            holder = str(lease.spec.holder_identity or "") if lease else ""
            return holder.removeprefix("guardian:").split("/")[0] if "guardian:" in holder else ""

        first = _until(claimed_by, "a guardian to claim the dead run")
        core.delete_namespaced_pod(first, namespace, grace_period_seconds=0)
        keys = _copy_keys(api_client, namespace, run_id)
        assert any(not k.endswith(".executed") for k in keys), "the rollback ended before"

        done = _until(lambda: _events(api_client, namespace, run_id), "the guardian's Event")
        assert [e.reason for e in done] == ["RunRolledBack"], [e.message for e in done]
        assert first not in str(done[0].reporting_instance)  # its replacement finished it
        assert _sleep_configmaps(api_client, namespace) == []
        keys = _copy_keys(api_client, namespace, run_id)
        assert len(keys) == ENTRIES and all(k.endswith(".executed") for k in keys)
        assert read_lease(api_client, namespace, lease_name(run_id)) is None
