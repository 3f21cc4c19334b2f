"""What an undo reports: one outcome word and a sentence, or `UndoError` when it cannot."""

FORMAT = 1
"""The version of the undo data (the `UNDO` literal); the code around it may change."""

RESTORED = "restored"
ALREADY_RESTORED = "already restored"
GONE = "gone"
NOTHING_TO_UNDO = "nothing to undo"
WOULD_RESTORE = "would restore"
CONFLICT = "conflict"

RESOLVED = (RESTORED, ALREADY_RESTORED, GONE, NOTHING_TO_UNDO)
"""Outcomes after which the change is known to be undone (or never needs undoing)."""


class UndoError(Exception):
    """The undo could not be carried out; the version file must stay pending."""


class Result:
    """What one undo did: an outcome from the constants above and a sentence for humans."""

    __slots__ = ("detail", "outcome")

    def __init__(self, outcome: str, detail: str) -> None:
        self.outcome = outcome
        self.detail = detail

    @property
    def resolved(self) -> bool:
        return self.outcome in RESOLVED

    def __repr__(self) -> str:
        return f"Result({self.outcome!r}, {self.detail!r})"
