"""The pure checks an undo makes on its data before it writes anything to the cluster."""

from __future__ import annotations

from typing import Any

import pytest

from undertow.undo.guards import (
    Refused,
    check_created_by_entry,
    check_scope,
    check_snapshot,
    entry_selector,
    require_uid,
)
from undertow.undo.labels import ENTRY_LABEL, RUN_LABEL
from undertow.undo.records import DeleteCreated, RecreateDeleted, Target

RUN = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def target(**changes: Any) -> Target:
    base: Target = {
        "api_version": "v1",
        "kind": "ConfigMap",
        "name": "cm",
        "namespace": "ns",
        "uid": "uid-1",
    }
    return {**base, **changes}  # type: ignore[typeddict-item]


def created(labels: dict[str, str] | None = None, **target_changes: Any) -> DeleteCreated:
    return {
        "action": "delete_created",
        "description": "delete ConfigMap ns/cm created by undertow",
        "run_id": RUN,
        "target": target(**target_changes),
        "labels": {RUN_LABEL: RUN, ENTRY_LABEL: "e1"} if labels is None else labels,
    }


def live(labels: dict[str, str], uid: str = "uid-1") -> dict[str, Any]:
    return {"metadata": {"name": "cm", "namespace": "ns", "uid": uid, "labels": labels}}


def recreate(snapshot: dict[str, Any], **target_changes: Any) -> RecreateDeleted:
    return {
        "action": "recreate_deleted",
        "description": "recreate",
        "target": target(**target_changes),
        "restore": True,
        "snapshot": snapshot,
    }


def snap(kind: str = "ConfigMap", name: str = "cm", namespace: str | None = "ns") -> dict[str, Any]:
    api_version = "v1" if kind == "ConfigMap" else "rbac.authorization.k8s.io/v1"
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": api_version, "kind": kind, "metadata": meta}


@pytest.mark.parametrize(
    ("changes", "namespaced", "why"),
    [
        ({"name": ""}, True, "empty name"),
        ({"name": None}, False, "empty name"),
        ({"namespace": ""}, True, "without a namespace"),
        ({"namespace": None}, True, "without a namespace"),
        ({"kind": ""}, True, "no kind"),
    ],
)
def test_an_empty_name_or_namespace_is_never_a_target(
    changes: dict[str, Any], namespaced: bool, why: str
) -> None:
    with pytest.raises(Refused, match=why):
        check_scope(target(**changes), namespaced)


def test_a_cluster_scoped_target_needs_no_namespace() -> None:
    check_scope(target(kind="Node", namespace=None), namespaced=False)


@pytest.mark.parametrize(
    "labels",
    [{}, {RUN_LABEL: RUN}, {ENTRY_LABEL: "e1"}, {RUN_LABEL: "", ENTRY_LABEL: ""}],
)
def test_an_empty_or_partial_selector_is_never_a_target(labels: dict[str, str]) -> None:
    with pytest.raises(Refused, match="no run and entry label"):
        entry_selector(created(labels))


def test_the_selector_names_the_run_that_recorded_the_entry() -> None:
    assert entry_selector(created()) == f"{RUN_LABEL}={RUN},{ENTRY_LABEL}=e1"
    with pytest.raises(Refused, match="not the run that recorded it"):
        entry_selector(created({RUN_LABEL: "another-run", ENTRY_LABEL: "e1"}))


def test_only_an_object_with_this_entrys_labels_and_uid_is_deleted() -> None:
    data = created()
    check_created_by_entry(live({RUN_LABEL: RUN, ENTRY_LABEL: "e1", "app": "x"}), data)
    with pytest.raises(Refused, match="does not carry"):
        check_created_by_entry(live({}), data)
    with pytest.raises(Refused, match="does not carry"):
        check_created_by_entry(live({RUN_LABEL: RUN, ENTRY_LABEL: "e2"}), data)
    with pytest.raises(Refused, match="another uid"):
        check_created_by_entry(live({RUN_LABEL: RUN, ENTRY_LABEL: "e1"}, uid="uid-2"), data)


def test_a_patch_is_undone_only_with_the_uid_recorded_before_it() -> None:
    require_uid(target())
    with pytest.raises(Refused, match="no uid was recorded"):
        require_uid(target(uid=None))


def test_a_snapshot_of_exactly_the_target_may_be_recreated() -> None:
    check_snapshot(recreate(snap()), namespaced=True)


@pytest.mark.parametrize(
    "snapshot",
    [
        snap(name="other"),
        snap(namespace="kube-system"),
        snap(kind="ClusterRoleBinding", namespace=None),
        {**snap(), "metadata": {**snap()["metadata"], "uid": "uid-2"}},
        {"kind": "ConfigMap"},
    ],
)
def test_a_snapshot_of_another_object_is_refused(snapshot: dict[str, Any]) -> None:
    with pytest.raises(Refused):
        check_snapshot(recreate(snapshot), namespaced=True)


def test_a_cluster_wide_privileged_kind_is_never_recreated() -> None:
    rbac = "rbac.authorization.k8s.io/v1"
    data = recreate(
        snap("ClusterRoleBinding", "admin", None),
        api_version=rbac,
        kind="ClusterRoleBinding",
        name="admin",
        namespace=None,
    )
    with pytest.raises(Refused, match="never recreated by a rollback"):
        check_snapshot(data, namespaced=False)


def test_a_namespaced_privileged_kind_needs_a_record_pinned_to_its_uid() -> None:
    rbac = "rbac.authorization.k8s.io/v1"
    pinned = recreate(snap("RoleBinding"), api_version=rbac, kind="RoleBinding")
    check_snapshot(pinned, namespaced=True)
    unpinned = recreate(snap("RoleBinding"), api_version=rbac, kind="RoleBinding", uid=None)
    with pytest.raises(Refused, match="pinned to the object the run deleted"):
        check_snapshot(unpinned, namespaced=True)
