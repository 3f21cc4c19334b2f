"""Any interleaving of record / commit / fail / crash leaves exactly the pending set that
must be undone, and names stay unique and ordered (newest first = reverse record order)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from journal_data import delete_data

from undertow.rollback import directory
from undertow.rollback.entry import JournalEntry, newest_first
from undertow.rollback.journal import Journal


class JournalMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp())
        self.versions = self.root / "v"
        self.runs = 0
        self.journal = self._open()
        self.open_entries: list[JournalEntry] = []  # the live run's unresolved entries
        self.must_undo: dict[Path, str] = {}  # every pending file on disk -> object name
        self.executed: set[Path] = set()
        self.recorded = 0

    def _open(self) -> Journal:
        self.runs += 1
        return Journal.open(self.versions, f"run-{self.runs}")

    @rule(scenario=st.sampled_from(["pod_disruption_scenarios", "hog_scenarios", "x"]))
    def record(self, scenario: str) -> None:
        self.recorded += 1
        entry = self.journal.record(scenario, delete_data(f"obj-{self.recorded}"))
        self.open_entries.append(entry)
        self.must_undo[entry.path] = f"obj-{self.recorded}"

    @precondition(lambda self: self.open_entries)
    @rule(pick=st.integers(min_value=0))
    def commit(self, pick: int) -> None:
        """The scenario succeeded for one change: its file is removed."""
        entry = self.open_entries.pop(pick % len(self.open_entries))
        self.journal.remove(entry)
        del self.must_undo[entry.path]

    @precondition(lambda self: self.open_entries)
    @rule(pick=st.integers(min_value=0))
    def fail(self, pick: int) -> None:
        """An unexpected error: the change is rolled back and its file marked executed."""
        entry = self.open_entries.pop(pick % len(self.open_entries))
        self.executed.add(self.journal.mark_executed(entry))
        del self.must_undo[entry.path]

    @rule()
    def crash(self) -> None:
        """The process dies: the lock is dropped, nothing is cleaned, a new run starts."""
        self.journal._lock.release()
        self.open_entries = []
        self.journal = self._open()

    @invariant()
    def pending_on_disk_is_exactly_what_must_be_undone(self) -> None:
        runs = directory.list_runs(self.versions, include_executed=True)
        pending = {f.path: f.object.rsplit("/", 1)[-1] for r in runs for f in r.pending}
        executed = {f.path for r in runs for f in r.executed}
        assert pending == self.must_undo
        assert executed == self.executed

    @invariant()
    def newest_first_is_reverse_record_order(self) -> None:
        selection = directory.select_pending(self.versions)
        live_names = [e.data["target"]["name"] for e in newest_first(self.open_entries)]
        dead = [e.data["target"]["name"] for e in selection.entries]
        numbers = [int(n.split("-")[1]) for n in dead]
        assert numbers == sorted(numbers, reverse=True)
        assert not set(live_names) & set(dead)  # the live run is never executed by others

    def teardown(self) -> None:
        self.journal.close()
        shutil.rmtree(self.root)


JournalMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
TestJournalMachine = JournalMachine.TestCase
