"""A version file whose data was altered makes `rollback execute` change nothing else.

Each test records a real change through the journaled client, lets the run die, alters only
the file's undo data (`tamper.alter_undo`) to aim at an object the run never touched, and
runs `undertow rollback execute --yes`: nothing else in the cluster changes, the entry stays
pending, the command says why and exits 3.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clitools import undertow
from objects import config_map, exists
from tamper import alter_undo

from undertow import errors
from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback import JournaledClient
from undertow.rollback.journal import Journal

RBAC = "rbac.authorization.k8s.io/v1"


def _network_policy(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    }


def _secret(name: str, namespace: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": {"k": "v"}}


def _die(journal: Journal) -> Path:
    """The run dies with its entries pending; its one pending file."""
    journal._lock.release()
    [path] = [p for p in journal.context.iterdir() if p.suffix == ".py"]
    return path


def _execute(versions_dir: Path, kubeconfig: str) -> Any:
    return undertow(
        "rollback",
        "execute",
        "--versions-dir",
        str(versions_dir),
        "--kubeconfig",
        kubeconfig,
        "--yes",
    )


def _refused(result: Any, path: Path, why: str) -> None:
    output = " ".join((result.stdout + result.stderr).split())  # the console wraps lines
    assert result.returncode == 3, output
    assert "refused" in output and why in output, output
    assert path.exists(), "the entry must stay pending"
    assert not path.with_name(path.name + ".executed").exists()


def test_a_delete_aimed_at_an_object_the_run_never_created_deletes_nothing(
    api: KubeApi,
    client: JournaledClient,
    journal: Journal,
    versions_dir: Path,
    kubeconfig: str,
    namespace: str,
) -> None:
    victim = mutate.create(api, _network_policy("victim", namespace))
    client.create(config_map("ours", namespace))
    path = _die(journal)

    def aim_at_the_policy(data: dict[str, Any]) -> None:
        data["target"] = {
            "api_version": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "name": "victim",
            "namespace": namespace,
            "uid": victim["metadata"]["uid"],
        }

    alter_undo(path, aim_at_the_policy)
    result = _execute(versions_dir, kubeconfig)
    _refused(result, path, "does not carry this run's and this entry's labels")
    assert exists(api, ObjectRef.of(victim))


@pytest.mark.parametrize(
    ("target", "labels", "why"),
    [
        ({"name": "", "uid": None}, {}, "no run and entry label"),
        ({"name": "", "uid": "x"}, {}, "no run and entry label"),
        ({"name": "", "uid": None, "namespace": None}, None, "without a namespace"),
    ],
)
def test_an_empty_name_or_selector_deletes_nothing(
    api: KubeApi,
    client: JournaledClient,
    journal: Journal,
    versions_dir: Path,
    kubeconfig: str,
    namespace: str,
    target: dict[str, Any],
    labels: dict[str, str] | None,
    why: str,
) -> None:
    secrets = [mutate.create(api, _secret(f"s{i}", namespace)) for i in range(3)]
    client.create(config_map("ours", namespace))
    path = _die(journal)

    def aim_at_every_secret(data: dict[str, Any]) -> None:
        data["target"] = {**data["target"], "api_version": "v1", "kind": "Secret", **target}
        if labels is not None:
            data["labels"] = labels

    alter_undo(path, aim_at_every_secret)
    result = _execute(versions_dir, kubeconfig)
    _refused(result, path, why)
    assert all(exists(api, ObjectRef.of(secret)) for secret in secrets)


def test_a_restore_without_the_uid_recorded_before_the_patch_changes_nothing(
    api: KubeApi,
    client: JournaledClient,
    journal: Journal,
    versions_dir: Path,
    kubeconfig: str,
    namespace: str,
) -> None:
    mutate.create(api, config_map("patched", namespace))
    other = mutate.create(api, config_map("other", namespace))
    other["metadata"]["labels"] = {"chaos": "mine"}
    client.set_label(ObjectRef("v1", "ConfigMap", "patched", namespace), "chaos", "on")
    mutate.json_patch(
        api,
        ObjectRef.of(other),
        [{"op": "add", "path": "/metadata/labels", "value": {"chaos": "on"}}],
    )
    path = _die(journal)

    def aim_at_the_other(data: dict[str, Any]) -> None:
        data["target"] = {**data["target"], "name": "other", "uid": None}

    alter_undo(path, aim_at_the_other)
    result = _execute(versions_dir, kubeconfig)
    _refused(result, path, "no uid was recorded before the change")
    assert api.get(ObjectRef.of(other))["metadata"]["labels"] == {"chaos": "on"}


@pytest.fixture
def binding_name(api: KubeApi) -> Iterator[str]:
    """A ClusterRoleBinding name no test creates; removed afterwards if a test failed."""
    name = f"undertow-test-granted-{uuid.uuid4().hex[:8]}"
    yield name
    ref = ObjectRef(RBAC, "ClusterRoleBinding", name, None)
    with contextlib.suppress(errors.NotFound):
        mutate.delete(api, ref)


def test_a_snapshot_altered_into_a_cluster_role_binding_is_never_created(
    api: KubeApi,
    client: JournaledClient,
    journal: Journal,
    versions_dir: Path,
    kubeconfig: str,
    namespace: str,
    binding_name: str,
) -> None:
    deleted = mutate.create(api, config_map("deleted", namespace))
    client.delete(ObjectRef.of(deleted), restore=True)
    path = _die(journal)
    binding = {
        "apiVersion": RBAC,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": binding_name},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "cluster-admin",
        },
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": namespace}],
    }

    def grant_cluster_admin(data: dict[str, Any]) -> None:
        data["target"] = {
            **data["target"],
            "api_version": RBAC,
            "kind": "ClusterRoleBinding",
            "name": binding_name,
            "namespace": None,
        }
        data["snapshot"] = binding

    alter_undo(path, grant_cluster_admin)
    result = _execute(versions_dir, kubeconfig)
    _refused(result, path, "never recreated by a rollback")
    assert not exists(api, ObjectRef(RBAC, "ClusterRoleBinding", binding_name, None))


def test_a_snapshot_of_another_object_is_not_created_in_the_targets_place(
    api: KubeApi,
    client: JournaledClient,
    journal: Journal,
    versions_dir: Path,
    kubeconfig: str,
    namespace: str,
) -> None:
    deleted = mutate.create(api, config_map("deleted", namespace))
    client.delete(ObjectRef.of(deleted), restore=True)
    path = _die(journal)

    def swap_the_snapshot(data: dict[str, Any]) -> None:
        data["snapshot"] = _secret("planted", namespace)

    alter_undo(path, swap_the_snapshot)
    result = _execute(versions_dir, kubeconfig)
    _refused(result, path, "the snapshot is of another object")
    assert not exists(api, ObjectRef("v1", "Secret", "planted", namespace))
    assert not exists(api, ObjectRef.of(deleted))
