"""The records the journal deals in: one entry per version file, one outcome per undo."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from undertow.rollback.naming import VersionName
from undertow.undo.outcome import RESOLVED, WOULD_RESTORE
from undertow.undo.verbs import describe

FAILED = "failed"
SKIPPED = "skipped"


def outcome_ok(outcome: str) -> bool:
    """Nothing left to do after this outcome (a dry-run plan counts as ok)."""
    return outcome in RESOLVED or outcome == WOULD_RESTORE


@dataclass(frozen=True)
class JournalEntry:
    """One version file: where it is, its name's parts, and its undo data."""

    path: Path
    name: VersionName
    run_id: str
    data: Mapping[str, Any]

    @property
    def scenario_type(self) -> str:
        return self.name.scenario_type

    @property
    def executed(self) -> bool:
        return self.name.executed

    @property
    def description(self) -> str:
        return describe(self.data)

    @property
    def acts_on(self) -> str:
        """The verb and the object, read from the data (not from its free-text description):
        `delete_created ConfigMap ns/cm`; what is shown before a rollback acts."""
        target = self.data.get("target") or {}
        where = f"{target.get('namespace')}/" if target.get("namespace") else ""
        text = f"{self.data.get('action')} {target.get('kind')} {where}{target.get('name') or ''}"
        return text if text.isprintable() else repr(text)

    @property
    def record_only(self) -> bool:
        """A deletion (or a container signalled) kept for the record: nothing to put back
        unless restore was asked."""
        return is_record_only(self.data)

    def newest_first_key(self) -> tuple[int, str]:
        return self.name.sort_key


def is_record_only(data: Mapping[str, Any]) -> bool:
    """Undo data with nothing to put back: a container signalled, a deletion without restore."""
    action = data.get("action")
    if action == "signalled_container":
        return True
    return action == "recreate_deleted" and not data.get("restore")


def newest_first(entries: list[JournalEntry]) -> list[JournalEntry]:
    return sorted(entries, key=JournalEntry.newest_first_key, reverse=True)


@dataclass(frozen=True)
class EntryOutcome:
    """What happened to one entry: an undo outcome (`undertow.undo.outcome`), "failed" or
    "skipped"."""

    entry: JournalEntry
    outcome: str
    detail: str
    final_path: Path | None = None

    @property
    def resolved(self) -> bool:
        return self.outcome in RESOLVED

    @property
    def ok(self) -> bool:
        """Nothing left to do for this entry (a dry-run plan counts as ok)."""
        return outcome_ok(self.outcome)


@dataclass
class RollbackReport:
    """Per-entry outcomes of one rollback, plus entries deliberately kept pending."""

    outcomes: list[EntryOutcome] = field(default_factory=list)
    kept_pending: list[JournalEntry] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everything that had to be undone was undone (kept-pending entries excluded)."""
        return all(o.ok for o in self.outcomes)

    @property
    def not_restored(self) -> list[EntryOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def why_incomplete(self) -> str:
        """`outcome: detail` of every entry not restored, for a message."""
        return "; ".join(f"{o.outcome}: {o.detail}" for o in self.not_restored)

    @property
    def exit_code(self) -> int:
        """0 if complete, 3 (DESIGN §5: rollback incomplete) otherwise."""
        return 0 if self.complete else 3

    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = {}
        for o in self.outcomes:
            tally[o.outcome] = tally.get(o.outcome, 0) + 1
        return tally

    def extend(self, other: RollbackReport) -> None:
        self.outcomes.extend(other.outcomes)
        self.kept_pending.extend(other.kept_pending)
