"""`undertow rollback execute` over many entries and runs, with failures among them."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from clitools import undertow
from objects import config_map, undertow_objects

from undertow.kube import KubeApi
from undertow.rollback import JournaledClient, directory
from undertow.rollback.journal import Journal


def _unknown_kind_entry(journal: Journal) -> Path:
    """An entry whose undo must fail: the cluster does not serve its kind."""
    entry = journal.record(
        "broken_scenarios",
        {
            "action": "delete_created",
            "description": "delete Widget default/w created by undertow",
            "target": {
                "api_version": "example.com/v1",
                "kind": "Widget",
                "name": "w",
                "namespace": "default",
                "uid": "u",
            },
            "labels": {},
        },
    )
    return entry.path


def test_a_failing_undo_does_not_stop_the_others_and_stays_pending(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path
) -> None:
    versions = tmp_path / "v"
    journal = Journal.open(versions, str(uuid.uuid4()))
    client = JournaledClient(api, journal, "test_scenarios")
    client.create(config_map("older", namespace))
    broken = _unknown_kind_entry(journal)
    client.create(config_map("newer", namespace))
    journal._lock.release()  # the run dies without cleaning up

    result = undertow(
        "rollback", "execute", "--versions-dir", str(versions), "--kubeconfig", kubeconfig, "--yes"
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "2 restored" in result.stdout and "1 failed" in result.stdout
    assert str(broken) in result.stderr  # listed as still pending
    assert broken.exists()
    assert undertow_objects(api, namespace) == []
    [run] = directory.list_runs(versions, include_executed=True)
    assert [f.path for f in run.pending] == [broken] and len(run.executed) == 2


def test_thousand_records_from_eight_threads_each_undo_their_own_object(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path
) -> None:
    versions = tmp_path / "v"
    journal = Journal.open(versions, str(uuid.uuid4()))
    client = JournaledClient(api, journal, "hog_scenarios")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        barrier.wait()
        try:
            for i in range(125):
                client.create(config_map(f"hog-{w}-{i}", namespace))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    files = [p for p in journal.context.iterdir() if p.suffix == ".py"]
    assert len(files) == 1000
    journal._lock.release()  # crash: nothing resolved

    result = undertow(
        "execute-rollback", "--versions-dir", str(versions), "--kubeconfig", kubeconfig
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "1000 restored" in result.stdout
    assert undertow_objects(api, namespace) == []


def test_live_runs_are_left_to_themselves(
    api: KubeApi, kubeconfig: str, namespace: str, versions_dir: Path, journal: Journal
) -> None:
    client = JournaledClient(api, journal, "test_scenarios")
    client.create(config_map("mine", namespace))
    result = undertow(
        "rollback",
        "execute",
        "--versions-dir",
        str(versions_dir),
        "--kubeconfig",
        kubeconfig,
        "--yes",
    )
    assert result.returncode == 0
    assert f"skipped live run {journal.run_id}" in result.stdout
    assert len(undertow_objects(api, namespace)) == 1
    listing = undertow("list-rollback", "--versions-dir", str(versions_dir))
    assert "live" in listing.stdout and journal.run_id in listing.stdout


def test_an_aborted_rollback_leaves_the_rest_pending(
    api: KubeApi, namespace: str, journal: Journal
) -> None:
    from undertow.rollback import execute

    client = JournaledClient(api, journal, "test_scenarios")
    for i in range(3):
        client.create(config_map(f"cm-{i}", namespace))
    polls = iter([False, True])
    report = execute(client.pending, lambda: api, should_abort=lambda: next(polls))
    assert [o.outcome for o in report.outcomes] == ["restored", "skipped", "skipped"]
    assert report.outcomes[0].entry.data["target"]["name"] == "cm-2"  # newest first
    assert all(o.entry.path.exists() for o in report.outcomes[1:])
    assert report.exit_code == 3
    assert sorted(undertow_objects(api, namespace)) == [
        f"ConfigMap {namespace}/cm-0",
        f"ConfigMap {namespace}/cm-1",
    ]
