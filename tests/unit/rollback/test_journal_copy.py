"""The journal and its cluster copy move together: both written before a change, or neither;
resolving an entry resolves its copy; record-only entries are not copied."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from journal_data import delete_data

from undertow import errors
from undertow.rollback import naming
from undertow.rollback.journal import Journal
from undertow.rollback.naming import VersionName


class RecordingCopy:
    """Stands in for `ClusterCopy` (the kube side is tested against the control plane)."""

    namespace = "ns"
    name = "undertow-journal-run-1"

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.stored: dict[str, Mapping[str, Any]] = {}
        self.updated: dict[str, Mapping[str, Any]] = {}
        self.resolved: list[tuple[str, bool]] = []
        self.closed = False

    def entry_reference(self, name: VersionName) -> str:
        return f"ns/undertow-journal-run-1/{name.filename}"

    def store(self, name: VersionName, data: Mapping[str, Any]) -> None:
        if self.fail:
            raise errors.JournalError("cannot write entry to the cluster copy: refused")
        self.stored[name.filename] = data

    def update(self, name: VersionName, data: Mapping[str, Any]) -> None:
        self.updated[name.filename] = data

    def resolve(self, name: VersionName, *, executed: bool) -> None:
        self.resolved.append((name.filename, executed))

    def close(self) -> None:
        self.closed = True


def _files(context: Path) -> list[str]:
    return sorted(p.name for p in context.iterdir() if naming.parse_version_file(p.name))


def test_an_entry_is_copied_and_resolving_it_resolves_the_copy(journal: Journal) -> None:
    copy = RecordingCopy()
    journal.attach_copy(copy)  # type: ignore[arg-type]
    first = journal.record("hog_scenarios", delete_data("hog-1"))
    second = journal.record("hog_scenarios", delete_data("hog-2"))
    assert sorted(copy.stored) == _files(journal.context)
    assert copy.stored[first.path.name]["target"]["name"] == "hog-1"
    assert first.data["cluster_copy"] == "ns/undertow-journal-run-1"  # where to mark it
    known = journal.rewrite(first, {"target": {**first.data["target"], "uid": "u-1"}})
    assert copy.updated[first.path.name]["target"]["uid"] == "u-1"  # the uid reaches the copy
    first = known
    journal.remove(first)
    journal.mark_executed(second)
    assert copy.resolved == [(first.path.name, False), (second.path.name, True)]
    assert journal.entry_annotation(second.name) == {
        "undertow.io/journal-entry": f"ns/undertow-journal-run-1/{second.path.name}"
    }
    journal.close()
    assert copy.closed


def test_a_copy_that_cannot_be_written_takes_the_version_file_back(journal: Journal) -> None:
    journal.attach_copy(RecordingCopy(fail=True))  # type: ignore[arg-type]
    with pytest.raises(errors.JournalError, match="cluster copy"):
        journal.record("hog_scenarios", delete_data("hog-1"))
    assert _files(journal.context) == []


def test_a_record_only_entry_is_not_copied(journal: Journal) -> None:
    copy = RecordingCopy()
    journal.attach_copy(copy)  # type: ignore[arg-type]
    target = {"api_version": "v1", "kind": "Pod", "name": "p", "namespace": "n", "uid": "u"}
    record: Any = {
        "action": "recreate_deleted",
        "description": "nothing to undo: record of deleted pod",
        "target": target,
        "restore": False,
        "snapshot": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}},
    }
    entry = journal.record("pod_disruption_scenarios", record)
    assert copy.stored == {}
    assert "cluster_copy" not in entry.data
    journal.remove(entry)
    assert journal.entry_annotation(entry.name)  # the annotation still names the run's copy


def test_without_a_copy_there_is_no_annotation(journal: Journal) -> None:
    entry = journal.record("hog_scenarios", delete_data("hog-1"))
    assert journal.entry_annotation(entry.name) == {}
