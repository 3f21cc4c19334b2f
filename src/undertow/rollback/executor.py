"""The executor: runs undo entries newest first and records each outcome.

An undo raises when it cannot restore; the executor catches that, records "failed" and goes
on with the next entry (one failure never stops the others). A file is resolved (renamed
`.executed`, or removed for a scenario's normal clean-up) only after its undo really
succeeded; failed, conflicting and skipped entries stay pending for the next
`undertow rollback execute`. An undone entry whose file cannot be resolved (a read-only
directory) counts as "failed" too: its file is still pending, so the rollback is incomplete.

Interruption: `should_abort` is polled between entries, in the main flow. The runner's
signal handler only records that a signal came; its `should_abort` asks the user whether to
abort (see `InterruptGate`). When it returns True the remaining entries are reported as
"skipped" and their files stay pending.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from undertow import errors
from undertow.failpoints import failpoint
from undertow.kube import KubeApi
from undertow.rollback import durable
from undertow.rollback.entry import (
    FAILED,
    SKIPPED,
    EntryOutcome,
    JournalEntry,
    RollbackReport,
    newest_first,
)
from undertow.undo.outcome import RESOLVED
from undertow.undo.verbs import describe, undo

Resolve = Literal["executed", "remove"] | Callable[[JournalEntry], Path | None]
"""How an undone entry is resolved: its file renamed `.executed` or removed, or a callable
that resolves it and returns where it is now (the journal's, which also resolves its cluster
copy; a cluster copy's own, which marks it executed there)."""


class Progress(Protocol):
    """Observer of a rollback in progress (the CLI draws a progress bar with it)."""

    def started(self, total: int) -> None: ...

    def finished(self, outcome: EntryOutcome) -> None: ...


def undo_step(
    data: Mapping[str, Any], cluster: Callable[[], KubeApi], *, dry_run: bool
) -> tuple[str, str]:
    """Run one undo record: (outcome, detail). An undo that raises is "failed", with why."""
    try:
        result = undo(lambda: cluster().dynamic, data, dry_run=dry_run)
    except Exception as exc:  # the undo raised: record it, keep the file pending
        reason = str(exc) or type(exc).__name__
        return FAILED, f"{describe(data)}: {reason}"
    return result.outcome, result.detail


def _run_one(
    entry: JournalEntry, cluster: Callable[[], KubeApi], *, dry_run: bool, resolve: Resolve
) -> EntryOutcome:
    failpoint("executor.before_undo")
    outcome, detail = undo_step(entry.data, cluster, dry_run=dry_run)
    if dry_run or outcome not in RESOLVED:
        return EntryOutcome(entry, outcome, detail, entry.path)
    failpoint("executor.after_undo")
    try:
        final: Path | None
        if callable(resolve):
            final = resolve(entry)
        elif resolve == "executed":
            final = durable.mark_executed(entry.path)
        else:
            durable.remove(entry.path)
            final = None
    except (OSError, errors.UndertowError) as exc:  # undone, but would run again: not complete
        how = resolve if isinstance(resolve, str) else "resolved"
        detail = f"{detail}, but {entry.path} could not be marked {how}: {exc}; it stays pending"
        return EntryOutcome(entry, FAILED, detail, entry.path)
    return EntryOutcome(entry, outcome, detail, final)


def execute(
    entries: Sequence[JournalEntry],
    cluster: Callable[[], KubeApi],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    should_abort: Callable[[], bool] | None = None,
    resolve: Resolve = "executed",
) -> RollbackReport:
    """Undo `entries` newest first; every entry gets an outcome, failures do not stop the rest.

    `cluster()` is called only by undos that act on Kubernetes objects (`undertow.undo.undo`);
    if it raises (no cluster), those entries fail and stay pending while the others still run.
    """
    ordered = newest_first(list(entries))
    report = RollbackReport()
    if progress:
        progress.started(len(ordered))
    for index, entry in enumerate(ordered):
        if should_abort is not None and should_abort():
            for skipped in ordered[index:]:
                outcome = EntryOutcome(
                    skipped, SKIPPED, "rollback aborted; file stays pending", skipped.path
                )
                report.outcomes.append(outcome)
                if progress:
                    progress.finished(outcome)
            break
        outcome = _run_one(entry, cluster, dry_run=dry_run, resolve=resolve)
        report.outcomes.append(outcome)
        if progress:
            progress.finished(outcome)
    return report


class InterruptGate:
    """What the runner needs for "a second Ctrl-C during rollback asks before aborting".

    The runner's signal watcher calls `signal_received()` (from its own thread, never from
    inside the signal handler; it only counts). The executor polls
    `should_abort()` between entries, in the main flow: the first signal of a run stops
    injection (the runner's business); any signal that arrives *during* the rollback makes
    `should_abort` call `ask("Abort the rollback? N entries stay pending")`; a yes aborts.
    """

    def __init__(self, ask: Callable[[str], bool]) -> None:
        self._ask = ask
        self._signals = 0
        self._seen = 0

    def signal_received(self) -> None:
        self._signals += 1

    def rollback_started(self) -> None:
        """Call when the rollback begins; signals before this were the run's first stop."""
        self._seen = self._signals

    def should_abort(self) -> bool:
        if self._signals == self._seen:
            return False
        self._seen = self._signals
        return self._ask("Abort the rollback? Entries not yet undone stay pending")
