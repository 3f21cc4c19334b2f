from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from journal_data import delete_data

from undertow import errors
from undertow.rollback import directory, naming
from undertow.rollback.journal import Journal


def _version_files(context: Path) -> list[Path]:
    return sorted(p for p in context.iterdir() if naming.parse_version_file(p.name))


def test_open_creates_private_context_named_timestamp_dash_run(versions_dir: Path) -> None:
    journal = Journal.open(versions_dir, "3f2a-run", clock_ns=lambda: 1755488223093251000)
    try:
        assert journal.context == versions_dir / "1755488223093251000-3f2a-run"
        assert stat.S_IMODE(versions_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(journal.context.stat().st_mode) == 0o700
    finally:
        journal.close()


def test_record_writes_a_complete_0600_file_before_returning(journal: Journal) -> None:
    entry = journal.record("hog_scenarios", delete_data("hog-1"))
    assert entry.path.parent == journal.context
    assert stat.S_IMODE(entry.path.stat().st_mode) == 0o600
    name = naming.parse_version_file(entry.path.name)
    assert name is not None and name.scenario_type == "hog_scenarios"
    data = directory.load_for_execution(entry.path).data
    assert data["run_id"] == "run-1" and data["target"]["name"] == "hog-1"
    assert not [p for p in journal.context.iterdir() if p.name.startswith(naming.TEMP_PREFIX)]


def test_success_removes_and_rollback_marks_executed(journal: Journal) -> None:
    ok = journal.record("x", delete_data("a"))
    rolled = journal.record("x", delete_data("b"))
    journal.remove(ok)
    executed = journal.mark_executed(rolled)
    assert not ok.path.exists() and not rolled.path.exists()
    assert executed.name == rolled.path.name + ".executed"
    assert _version_files(journal.context) == [executed]


def test_rewrite_replaces_data_atomically(journal: Journal) -> None:
    entry = journal.record("x", delete_data("a"))
    target = {**entry.data["target"], "uid": "u-1"}
    updated = journal.rewrite(entry, {"target": target})
    assert updated.path == entry.path
    assert directory.load_for_execution(entry.path).data["target"]["uid"] == "u-1"


def test_thousand_records_from_eight_threads_give_thousand_distinct_durable_files(
    journal: Journal,
) -> None:
    barrier = threading.Barrier(8)
    paths: list[Path] = []
    lock = threading.Lock()

    def worker(worker_id: int) -> None:
        barrier.wait()
        for i in range(125):
            entry = journal.record("hog_scenarios", delete_data(f"w{worker_id}-{i}"))
            with lock:
                paths.append(entry.path)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    files = _version_files(journal.context)
    assert len(set(paths)) == 1000 and len(files) == 1000
    names = {directory.load_for_execution(p).data["target"]["name"] for p in files}
    assert names == {f"w{w}-{i}" for w in range(8) for i in range(125)}


def test_timestamps_increase_strictly_within_a_run(journal: Journal) -> None:
    entries = [journal.record("x", delete_data(str(i))) for i in range(50)]
    stamps = [e.name.timestamp_ns for e in entries]
    assert stamps == sorted(stamps) and len(set(stamps)) == 50


def test_unwritable_versions_dir_fails_closed(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(errors.JournalError, match="cannot create"):
        Journal.open(blocker / "versions", "run-1")


def test_shared_writable_versions_dir_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(errors.TamperedVersionFile, match="writable by group or others"):
        Journal.open(shared, "run-1")


def test_record_failure_raises_journal_error(journal: Journal) -> None:
    os.rename(journal.context, journal.context.with_name("moved"))
    with pytest.raises(errors.JournalError, match="the change was not made"):
        journal.record("x", delete_data("a"))
    os.rename(journal.context.with_name("moved"), journal.context)


def test_close_removes_an_empty_context_and_keeps_one_with_files(versions_dir: Path) -> None:
    empty = Journal.open(versions_dir, "empty")
    empty.close()
    assert not empty.context.exists()
    kept = Journal.open(versions_dir, "kept")
    kept.record("x", delete_data("a"))
    kept.close()
    assert kept.context.exists()
    [run] = directory.list_runs(versions_dir)
    assert run.run_id == "kept" and not run.live and len(run.pending) == 1


def test_closed_journal_refuses_records(versions_dir: Path) -> None:
    journal = Journal.open(versions_dir, "r")
    journal.close()
    with pytest.raises(errors.JournalError, match="closed"):
        journal.record("x", delete_data("a"))
