"""The rollback journal: every cluster change written to disk before it is made.

Alembic's split: `directory` knows the files on disk, `entry` holds the records,
`executor` runs undo entries and records outcomes, `journal` writes version files for a
live run, `client` is the journaled kube client scenarios mutate through (`patches` plans
its JSON patches), `template` renders and parses version files (embedding the undo verbs
of `undertow.undo`), `signing` signs and verifies them, `reading` reads any file of the
versions dir safely, `lock` says who holds a run's context, `sweep` finds the labelled
leftovers no journal here will undo, `cluster_copy` mirrors each entry's undo data into the
cluster before its change.
"""

from undertow.rollback.client import Change, JournaledClient, Settlement, settling
from undertow.rollback.entry import EntryOutcome, JournalEntry, RollbackReport
from undertow.rollback.executor import InterruptGate, execute
from undertow.rollback.journal import Journal
from undertow.rollback.patches import REMOVE

__all__ = [
    "REMOVE",
    "Change",
    "EntryOutcome",
    "InterruptGate",
    "Journal",
    "JournalEntry",
    "JournaledClient",
    "RollbackReport",
    "Settlement",
    "execute",
    "settling",
]
