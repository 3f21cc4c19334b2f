"""`revert_or_fail`: revert, then fail if anything is still pending (the one helper the
scenarios use for a clean-up they cannot go on without)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from undertow import errors
from undertow.kube import ObjectRef
from undertow.rollback import Journal, JournaledClient
from undertow.undo import FORMAT


def client(tmp_path: Path) -> JournaledClient:
    journal = Journal.open(tmp_path / "versions", "run-1")
    return JournaledClient(SimpleNamespace(), journal, "node_scenarios")  # type: ignore[arg-type]


def start_record(provider: str) -> dict[str, object]:
    return {
        "format": FORMAT,
        "action": "start_instance",
        "description": f"start {provider} instance i-1 again",
        "instance": {"provider": provider, "id": "i-1"},
    }


def test_an_incomplete_revert_raises_and_keeps_the_entry_pending(tmp_path: Path) -> None:
    kube = client(tmp_path)
    change = kube.external(ObjectRef.node("w1"), start_record("nowhere"), lambda: None)
    with pytest.raises(errors.UndoFailed, match=r"^could not start w1 again: failed: start"):
        kube.revert_or_fail(change, failure="could not start w1 again")
    assert kube.pending == [change.entry]
    assert change.entry is not None and change.entry.path.exists()
    kube.journal.close()


def test_a_complete_revert_returns_its_report(tmp_path: Path) -> None:
    kube = client(tmp_path)
    change = kube.external(ObjectRef.node("w1"), start_record("nowhere"), lambda: None)
    report = kube.revert_or_fail(ObjectRef.node("w2"), failure="nothing of w2 is pending")
    assert report.complete and report.outcomes == []
    assert kube.pending == [change.entry]
    kube.journal.close()
