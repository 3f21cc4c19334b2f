"""The journal's cluster copy, entry by entry, against the real API server: what each entry
holds (the object's uid, as the version file), the annotation on every object patched (a
Node tainted too), how a run's entries spread over numbered objects past 1 MiB, and a local
`rollback execute` marking in the copy what it undid."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from undertow import errors
from undertow.commands.rollback import rollback_execute
from undertow.kube import KubeApi, ObjectRef, connect, mutate
from undertow.rollback import JournaledClient
from undertow.rollback.cluster_copy import (
    ENTRY_ANNOTATION,
    SHARD_BYTES,
    ClusterCopy,
    mark_undone_here,
    read_copies,
    shard_name,
)
from undertow.rollback.journal import Journal
from undertow.rollback.naming import VersionName
from undertow.runner.cluster_restore import restore_from_cluster


@pytest.fixture
def copied(versions_dir: Path, api: KubeApi, namespace: str) -> Iterator[Journal]:
    """A run's journal with its cluster copy in the test's namespace."""
    journal = Journal.open(versions_dir, str(uuid.uuid4()))
    journal.attach_copy(ClusterCopy(api, namespace=namespace, run_id=journal.run_id))
    yield journal
    journal.close()


def _copy_data(api: KubeApi, namespace: str, run_id: str, kind: str = "ConfigMap") -> Any:
    obj = api.get(ObjectRef("v1", kind, shard_name(run_id, 0), namespace))
    return obj.get("data") or {}


def _eventually(check: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def _unannotated_node(api: KubeApi) -> str:
    for node in api.list_nodes():
        if ENTRY_ANNOTATION not in (node["metadata"].get("annotations") or {}):
            return str(node["metadata"]["name"])
    pytest.skip("every node already carries a journal-entry annotation")


def test_a_tainted_node_names_its_entry_and_the_undo_removes_taint_and_annotation(
    api: KubeApi, copied: Journal, namespace: str
) -> None:
    node = _unannotated_node(api)
    key = f"undertow.io/copy-test-{uuid.uuid4().hex[:8]}"
    client = JournaledClient(api, copied, "test_scenarios")
    change = client.add_taint(node, key, "x", "NoSchedule")
    assert change.entry is not None
    try:
        annotations = api.get(ObjectRef.node(node))["metadata"]["annotations"]
        assert annotations.get(ENTRY_ANNOTATION) == (
            f"{namespace}/undertow-journal-{copied.run_id}/{change.entry.name.filename}"
        )
        entry = _copy_data(api, namespace, copied.run_id)[change.entry.name.filename]
        record = json.loads(entry)
        assert record["action"] == "remove_taint" and record["target"]["uid"]
    finally:  # the shared node never keeps the test's taint
        report = client.revert(change)
    assert [o.outcome for o in report.outcomes] == ["restored"]
    after = api.get(ObjectRef.node(node))
    assert key not in {t["key"] for t in after["spec"].get("taints") or []}
    assert ENTRY_ANNOTATION not in (after["metadata"].get("annotations") or {})


def test_the_copy_of_a_created_object_holds_its_uid_and_spares_a_lookalike(
    api: KubeApi, copied: Journal, namespace: str
) -> None:
    client = JournaledClient(api, copied, "test_scenarios")
    created = client.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "made", "namespace": namespace},
        }
    )
    (key,) = [k for k in _copy_data(api, namespace, copied.run_id)]
    record = json.loads(_copy_data(api, namespace, copied.run_id)[key])
    assert record["target"]["uid"] == created["metadata"]["uid"]
    assert record["cluster_copy"] == f"{namespace}/undertow-journal-{copied.run_id}"

    # The object is replaced by one with the same name and labels: not the object created.
    ref = ObjectRef("v1", "ConfigMap", "made", namespace)
    mutate.delete(api, ref)
    assert _eventually(
        lambda: (
            not api.list("v1", "ConfigMap", namespace=namespace, label_selector="undertow.io/entry")
        )
    )
    lookalike = {k: created[k] for k in ("apiVersion", "kind")}
    lookalike["metadata"] = {
        "name": "made",
        "namespace": namespace,
        "labels": created["metadata"]["labels"],
    }
    mutate.create(api, lookalike)
    restored = restore_from_cluster(api, namespace, run_id=copied.run_id)
    assert [o.outcome for o in restored.report.outcomes] == ["already restored"]
    assert api.get(ref)["metadata"]["uid"] != created["metadata"]["uid"]  # left alone


def _big_record(run_id: str, size: int) -> dict[str, Any]:
    target = {"api_version": "v1", "kind": "ConfigMap", "name": "x", "namespace": "n", "uid": None}
    return {
        "format": 1,
        "run_id": run_id,
        "action": "delete_created",
        "description": "d" * size,
        "target": target,
        "labels": {"undertow.io/run-id": run_id, "undertow.io/entry": "e"},
    }


def test_a_run_spreads_its_entries_over_numbered_objects_and_refuses_one_past_1_mib(
    api: KubeApi, namespace: str
) -> None:
    run_id = str(uuid.uuid4())
    copy = ClusterCopy(api, namespace=namespace, run_id=run_id)
    names = [VersionName("test_scenarios", 1_000 + i, "abcdefgh", executed=False) for i in range(5)]
    for name in names:
        copy.store(name, _big_record(run_id, 300_000))  # 1.5 MB in all
    with pytest.raises(errors.JournalError, match="more than a ConfigMap holds"):
        copy.store(VersionName("test_scenarios", 9, "zzzzzzzz", False), _big_record(run_id, 2**20))

    (run,) = read_copies(api, namespace, run_id=run_id)
    assert sorted(e.name.filename for e in run.pending) == sorted(n.filename for n in names)
    assert run.objects == [("ConfigMap", shard_name(run_id, i)) for i in range(5)]
    for name in names:
        copy.resolve(name, executed=False)
    copy.close()
    assert read_copies(api, namespace, run_id=run_id) == []


def test_many_small_entries_fill_one_object_after_another(api: KubeApi, namespace: str) -> None:
    run_id = str(uuid.uuid4())
    copy = ClusterCopy(api, namespace=namespace, run_id=run_id)
    names = [VersionName("test_scenarios", 1_000 + i, "abcdefgh", False) for i in range(200)]
    for name in names:
        copy.store(name, _big_record(run_id, 1_000))  # 200 KB in all
    (run,) = read_copies(api, namespace, run_id=run_id)
    assert len(run.pending) == 200
    assert len(run.objects) > 2
    for _kind, name in run.objects:
        data = api.get(ObjectRef("v1", "ConfigMap", name, namespace))["data"]
        assert sum(len(k) + len(v) for k, v in data.items()) <= SHARD_BYTES


def test_a_local_rollback_execute_marks_what_it_undid_in_the_cluster_copy(
    api: KubeApi, kubeconfig: str, versions_dir: Path, namespace: str
) -> None:
    journal = Journal.open(versions_dir, str(uuid.uuid4()))
    journal.attach_copy(ClusterCopy(api, namespace=namespace, run_id=journal.run_id))
    client = JournaledClient(api, journal, "test_scenarios")
    client.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "left", "namespace": namespace},
        }
    )
    journal.close()  # the run ends with its entry pending, on disk and in the copy

    done = rollback_execute(versions_dir, lambda: connect(Path(kubeconfig)))
    assert [o.outcome for o in done.report.outcomes] == ["restored"]
    assert done.copy_unmarked == []
    (run,) = read_copies(api, namespace, run_id=journal.run_id)
    assert run.pending == [] and run.executed == 1
    again = restore_from_cluster(api, namespace, run_id=journal.run_id)
    assert again.report.outcomes == []  # nothing left for the guardian to undo again

    (entry,) = [o.entry for o in done.report.outcomes]
    assert mark_undone_here(api, [entry]) == []  # marking it again is harmless


def test_rollback_list_from_cluster_shows_the_runs_a_copy_can_restore(
    api: KubeApi, kubeconfig: str, namespace: str
) -> None:
    from clitools import undertow

    run_id = str(uuid.uuid4())
    copy = ClusterCopy(api, namespace=namespace, run_id=run_id)
    name = VersionName("test_scenarios", 1_000, "abcdefgh", executed=False)
    copy.store(name, _big_record(run_id, 10))
    where = ("--namespace", namespace, "--kubeconfig", kubeconfig)

    listed = undertow("rollback", "list", "--from-cluster", *where, "--json")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    (run,) = json.loads(listed.stdout)
    assert (run["run_id"], run["state"], run["executed"]) == (run_id, "ended", 0)
    assert [p["entry"].rsplit("/", 1)[-1] for p in run["pending"]] == [name.filename]
    shown = undertow("rollback", "list", "--from-cluster", *where, "--run", run_id[:8])
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"run {run_id}" in shown.stdout and "1 pending" in shown.stdout
    unknown = undertow("rollback", "list", "--from-cluster", *where, "--run", "nomatch")
    assert unknown.returncode == 2, unknown.stdout + unknown.stderr
    assert "--run" in unknown.stderr


def test_a_copy_left_by_a_run_id_used_before_counts_what_it_holds(
    api: KubeApi, namespace: str
) -> None:
    run_id = str(uuid.uuid4())
    left = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"old": "o" * 900_000}}
    left["metadata"] = {
        "name": shard_name(run_id, 0),
        "namespace": namespace,
        "labels": {"undertow.io/run-id": run_id, "undertow.io/journal-copy": "true"},
    }
    mutate.create(api, left)
    copy = ClusterCopy(api, namespace=namespace, run_id=run_id)
    name = VersionName("test_scenarios", 1_000, "abcdefgh", executed=False)
    copy.store(name, _big_record(run_id, 300_000))
    (run,) = read_copies(api, namespace, run_id=run_id)
    assert [e.path.parts[-2] for e in run.pending] == [shard_name(run_id, 1)]
