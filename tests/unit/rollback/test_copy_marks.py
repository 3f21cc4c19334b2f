"""A local `rollback execute` that cannot reach the API server to mark its entries in the
cluster copy says so and leaves the copy; entries never copied need no cluster at all."""

from __future__ import annotations

from pathlib import Path

from undertow import errors
from undertow.commands.rollback import mark_in_cluster_copies
from undertow.kube import KubeApi
from undertow.rollback.entry import EntryOutcome, JournalEntry, RollbackReport
from undertow.rollback.naming import VersionName


def _report(*datas: dict[str, object]) -> RollbackReport:
    report = RollbackReport()
    for i, data in enumerate(datas):
        name = VersionName("hog_scenarios", 1_000 + i, "abcdefgh", executed=False)
        entry = JournalEntry(Path(name.filename), name, "run-1", {"run_id": "run-1", **data})
        report.outcomes.append(EntryOutcome(entry, "restored", "deleted it"))
    return report


def _unreachable() -> KubeApi:
    raise errors.KubeError("connection refused")


def test_an_unreachable_api_server_is_said_and_the_copy_left() -> None:
    report = _report({"cluster_copy": "undertow/undertow-journal-run-1"}, {})
    (problem,) = mark_in_cluster_copies(report, _unreachable)
    assert "1 entry(ies) was not reached: connection refused" in problem


def test_entries_never_copied_need_no_cluster() -> None:
    assert mark_in_cluster_copies(_report({}), _unreachable) == []
