"""The journaled client against the real local control plane: every change journaled
first, the same undo step for clean-up and rollback, verified by re-reading."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from objects import config_map, deployment, exists, node_state

from undertow import errors, undo
from undertow.kube import KubeApi, ObjectRef
from undertow.rollback import REMOVE, JournaledClient
from undertow.rollback.journal import Journal


def _eventually(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def _files(journal: Journal) -> list[Path]:
    return sorted(p for p in journal.context.iterdir() if p.suffix in (".py", ".executed"))


def test_create_labels_the_object_and_records_its_uid(
    client: JournaledClient, api: KubeApi, namespace: str, journal: Journal
) -> None:
    created = client.create(config_map("cm", namespace, a="1"))
    labels = created["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "undertow"
    assert labels["undertow.io/run-id"] == journal.run_id
    [entry] = client.pending
    assert entry.data["target"]["uid"] == created["metadata"]["uid"]
    report = client.revert(created)
    assert [o.outcome for o in report.outcomes] == ["restored"]
    assert not exists(api, ObjectRef.of(created))
    assert _files(journal) == []  # normal clean-up removes the file


def test_undo_before_the_uid_was_known_finds_the_object_by_its_labels(
    client: JournaledClient, api: KubeApi, namespace: str
) -> None:
    manifest = config_map("", namespace)
    del manifest["metadata"]["name"]
    manifest["metadata"]["generateName"] = "gen-"
    created = client.create(manifest)
    [entry] = client.pending
    data = dict(entry.data)
    data["target"] = {**data["target"], "uid": None, "name": ""}  # as written before create
    result = undo.undo(lambda: api.dynamic, data)
    assert result.outcome == "restored"
    assert not exists(api, ObjectRef.of(created))
    assert undo.undo(lambda: api.dynamic, data).outcome == "already restored"


def test_undo_never_deletes_an_object_that_replaced_ours(
    client: JournaledClient, api: KubeApi, namespace: str, journal: Journal
) -> None:
    created = client.create(config_map("same-name", namespace))
    from undertow.kube import mutate

    mutate.delete(api, ObjectRef.of(created))
    _eventually(lambda: not exists(api, ObjectRef.of(created)))
    mutate.create(api, config_map("same-name", namespace, owner="someone-else"))
    report = client.settle(passed=False, auto_rollback=True)
    assert [o.outcome for o in report.outcomes] == ["already restored"]
    assert api.get(ObjectRef("v1", "ConfigMap", "same-name", namespace))["data"] == {
        "owner": "someone-else"
    }


def test_scale_and_labels_restore_exactly_and_twice_is_harmless(
    client: JournaledClient, api: KubeApi, namespace: str
) -> None:
    from undertow.kube import mutate

    mutate.create(api, deployment("web", namespace, replicas=2))
    ref = ObjectRef("apps/v1", "Deployment", "web", namespace)
    client.scale(ref, 0)
    client.set_label(ref, "chaos.io/state", "down")  # a new label with a '/' in its key
    client.set_label(ref, "app", None)  # remove an existing label
    obj = api.get(ref)
    assert obj["spec"]["replicas"] == 0
    assert obj["metadata"]["labels"] == {"chaos.io/state": "down"}
    entries = client.pending
    report = client.settle(passed=False, auto_rollback=True)
    assert [o.outcome for o in report.outcomes] == ["restored"] * 3
    assert all(o.final_path and o.final_path.name.endswith(".executed") for o in report.outcomes)
    obj = api.get(ref)
    assert obj["spec"]["replicas"] == 2 and obj["metadata"]["labels"] == {"app": "web"}
    again = [undo.undo(lambda: api.dynamic, dict(e.data)).outcome for e in entries]
    assert again == ["already restored"] * 3


def test_a_field_changed_by_someone_else_is_a_conflict_and_left_alone(
    client: JournaledClient, api: KubeApi, namespace: str
) -> None:
    from undertow.kube import mutate

    mutate.create(api, deployment("web", namespace, replicas=3))
    ref = ObjectRef("apps/v1", "Deployment", "web", namespace)
    client.scale(ref, 1)
    mutate.json_patch(api, ref, [{"op": "replace", "path": "/spec/replicas", "value": 5}])
    report = client.settle(passed=False, auto_rollback=True)
    [outcome] = report.outcomes
    assert outcome.outcome == "conflict" and "changed by someone else" in outcome.detail
    assert report.exit_code == 3
    assert outcome.entry.path.exists()  # stays pending for a human to decide
    assert api.get(ref)["spec"]["replicas"] == 5


def test_taint_and_cordon_undo_remove_exactly_what_was_added(
    client: JournaledClient, api: KubeApi, node_name: str
) -> None:
    before = node_state(api, node_name)
    client.cordon(node_name)
    client.add_taint(node_name, "undertow.io/chaos", "hog", "NoSchedule")
    node = api.get(ObjectRef.node(node_name))
    assert node["spec"]["unschedulable"] is True
    assert {"key": "undertow.io/chaos", "value": "hog", "effect": "NoSchedule"} in node["spec"][
        "taints"
    ]
    report = client.settle(passed=True, auto_rollback=True)  # the scenario left them in place
    assert {o.outcome for o in report.outcomes} == {"restored"}
    assert _eventually(lambda: node_state(api, node_name) == before)


def test_delete_keeps_a_snapshot_and_restore_recreates_it(
    client: JournaledClient, api: KubeApi, namespace: str
) -> None:
    from undertow.kube import mutate

    mutate.create(api, config_map("keep", namespace, k="v"))
    mutate.create(api, config_map("gone", namespace, k="v"))
    keep = ObjectRef("v1", "ConfigMap", "keep", namespace)
    gone = ObjectRef("v1", "ConfigMap", "gone", namespace)
    client.delete(keep, restore=True)
    client.delete(gone)  # record only
    assert not exists(api, keep) and not exists(api, gone)
    report = client.settle(passed=False, auto_rollback=True)
    outcomes = {o.entry.data["target"]["name"]: o.outcome for o in report.outcomes}
    assert outcomes == {"keep": "restored", "gone": "nothing to undo"}
    assert api.get(keep)["data"] == {"k": "v"} and not exists(api, gone)


def test_delete_as_listed_journals_the_given_object_and_deletes_it(
    client: JournaledClient, api: KubeApi, namespace: str
) -> None:
    from undertow.kube import mutate

    listed = mutate.create(api, config_map("listed", namespace, k="v"))
    listed["metadata"]["annotations"] = {"seen": "in the listing"}  # not on the server
    client.delete(ObjectRef.of(listed), restore=True, current=listed)
    assert not exists(api, ObjectRef.of(listed))
    [entry] = client.pending
    assert entry.data["target"]["uid"] == listed["metadata"]["uid"]
    # The snapshot is the object as given, not re-read from the server.
    assert entry.data["snapshot"]["metadata"]["annotations"] == {"seen": "in the listing"}
    report = client.settle(passed=False, auto_rollback=True)
    assert [o.outcome for o in report.outcomes] == ["restored"]
    assert api.get(ObjectRef("v1", "ConfigMap", "listed", namespace))["data"] == {"k": "v"}


def test_delete_as_listed_never_deletes_an_object_that_replaced_it(
    client: JournaledClient, api: KubeApi, namespace: str, journal: Journal
) -> None:
    from undertow.kube import mutate

    listed = mutate.create(api, config_map("reused", namespace, owner="first"))
    mutate.delete(api, ObjectRef.of(listed))
    _eventually(lambda: not exists(api, ObjectRef.of(listed)))
    mutate.create(api, config_map("reused", namespace, owner="second"))
    by_name = ObjectRef("v1", "ConfigMap", "reused", namespace)
    replacement = api.get(by_name)
    # A stale listing: the delete is pinned to the listed uid, so the server refuses it.
    with pytest.raises(errors.Conflict):
        client.delete(by_name, current=listed)
    # A ref pinned to another uid than the object given: refused before anything is sent.
    with pytest.raises(errors.Conflict, match="replaced"):
        client.delete(ObjectRef.of(listed), current=replacement)
    assert api.get(by_name)["data"] == {"owner": "second"}
    assert client.pending == [] and _files(journal) == []


def test_delete_as_listed_with_an_unwritable_journal_deletes_nothing(
    api: KubeApi, journal: Journal, namespace: str
) -> None:
    from undertow.kube import mutate

    client = JournaledClient(api, journal, "test_scenarios")
    listed = mutate.create(api, config_map("kept", namespace))
    journal.context.rename(journal.context.with_name("moved-away"))
    try:
        with pytest.raises(errors.JournalError, match="the change was not made"):
            client.delete(ObjectRef.of(listed), current=listed)
    finally:
        journal.context.with_name("moved-away").rename(journal.context)
    assert exists(api, ObjectRef.of(listed))


def test_success_removes_record_only_files_and_reverts_leftovers(
    client: JournaledClient, api: KubeApi, namespace: str, journal: Journal
) -> None:
    from undertow.kube import mutate

    mutate.create(api, config_map("victim", namespace))
    client.delete(ObjectRef("v1", "ConfigMap", "victim", namespace))
    left = client.create(config_map("left-behind", namespace))
    report = client.settle(passed=True, auto_rollback=False)
    assert [o.outcome for o in report.outcomes] == ["restored"]
    assert not exists(api, ObjectRef.of(left))
    assert _files(journal) == [] and client.pending == []


def test_auto_off_keeps_failed_pending_and_later_success_never_removes_it(
    api: KubeApi, journal: Journal, namespace: str
) -> None:
    first = JournaledClient(api, journal, "application_outages_scenarios")
    kept = first.create(config_map("np-stand-in", namespace))
    report = first.settle(passed=False, auto_rollback=False)
    assert report.outcomes == [] and len(report.kept_pending) == 1
    second = JournaledClient(api, journal, "application_outages_scenarios")
    second.create(config_map("other", namespace))
    second.settle(passed=True, auto_rollback=False)
    assert report.kept_pending[0].path.exists()
    assert exists(api, ObjectRef.of(kept))


def test_unwritable_journal_means_the_cluster_is_not_touched(
    api: KubeApi, journal: Journal, namespace: str
) -> None:
    client = JournaledClient(api, journal, "test_scenarios")
    journal.context.rename(journal.context.with_name("moved-away"))
    try:
        with pytest.raises(errors.JournalError, match="the change was not made"):
            client.create(config_map("never", namespace))
        node = api.list_nodes()[0]["metadata"]["name"]
        with pytest.raises(errors.JournalError):
            client.cordon(node)
    finally:
        journal.context.with_name("moved-away").rename(journal.context)
    assert not exists(api, ObjectRef("v1", "ConfigMap", "never", namespace))
    assert not api.get(ObjectRef.node(node))["spec"].get("unschedulable")


def test_a_rejected_change_leaves_no_pending_file(
    client: JournaledClient, api: KubeApi, namespace: str, journal: Journal
) -> None:
    bad = config_map("Invalid_Name", namespace)
    with pytest.raises(errors.KubeError):
        client.create(bad)
    assert client.pending == [] and _files(journal) == []


def test_patch_fields_remove_and_add_nested(
    client: JournaledClient, api: KubeApi, namespace: str
) -> None:
    from undertow.kube import mutate

    mutate.create(api, config_map("cfg", namespace, a="1", b="2"))
    ref = ObjectRef("v1", "ConfigMap", "cfg", namespace)
    client.patch_fields(ref, {"/data/a": REMOVE, "/metadata/annotations/x": "y"})
    obj = api.get(ref)
    assert obj["data"] == {"b": "2"} and obj["metadata"]["annotations"] == {"x": "y"}
    client.revert(ref)
    obj = api.get(ref)
    assert obj["data"] == {"a": "1", "b": "2"}
    assert not (obj["metadata"].get("annotations") or {}).get("x")


@pytest.mark.parametrize("raised", [SystemExit(0), KeyboardInterrupt(), RuntimeError("boom")])
def test_anything_raised_inside_a_scenario_still_rolls_it_back(
    client: JournaledClient, api: KubeApi, namespace: str, raised: BaseException
) -> None:
    from undertow.rollback import settling

    made: dict[str, Any] = {}
    with pytest.raises(type(raised)), settling(client, auto_rollback=True) as outcome:
        made = client.create(config_map("cm", namespace))
        raise raised
    assert [o.outcome for o in outcome.report.outcomes] == ["restored"]
    assert outcome.report.outcomes[0].final_path is not None
    assert outcome.report.outcomes[0].final_path.name.endswith(".executed")
    assert not exists(api, ObjectRef.of(made))


def test_settling_a_passed_scenario_removes_its_files(
    client: JournaledClient, api: KubeApi, namespace: str, journal: Journal
) -> None:
    from undertow.rollback import settling

    with settling(client, auto_rollback=True) as outcome:
        made = client.create(config_map("cm", namespace))
        client.revert(made)
        outcome.passed = True
    assert outcome.report.outcomes == [] and _files(journal) == []
