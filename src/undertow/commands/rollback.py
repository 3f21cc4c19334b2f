"""`undertow rollback list|execute|sweep`: plain functions, no terminal output.

`rollback_list` needs no cluster. `rollback_execute` connects only when an undo needs the
cluster (starting a cloud instance or restoring network ACLs does not). Runs that are still
alive are never touched: their own process rolls them back. The versions dir and the
connection come resolved from the config layer (`undertow.config.load_connection`, the
same order as `run`), the cluster through `undertow.commands.connection.connector`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from undertow import errors
from undertow.kube import KubeApi
from undertow.rollback import directory, executor
from undertow.rollback.directory import RunInfo
from undertow.rollback.entry import RollbackReport
from undertow.rollback.lock import is_live
from undertow.rollback.retention import prune_executed
from undertow.rollback.sweep import LeftoverOutcome, find_leftovers, remove_leftovers


def rollback_list(
    versions_dir: Path,
    *,
    run_id: str | None = None,
    scenario_type: str | None = None,
    include_executed: bool = False,
) -> list[RunInfo]:
    """Runs with pending (and, with include_executed, executed) version files."""
    return directory.list_runs(
        versions_dir, run_id=run_id, scenario_type=scenario_type, include_executed=include_executed
    )


def runs_as_json(runs: list[RunInfo], *, now: float | None = None) -> list[dict[str, Any]]:
    """The `rollback list --json` document."""
    now = time.time() if now is None else now

    def files(listed: list[directory.ListedFile]) -> list[dict[str, Any]]:
        return [
            {
                "file": str(f.path),
                "scenario_type": f.name.scenario_type,
                "timestamp_ns": f.name.timestamp_ns,
                "undo": f.description,
                "object": f.object,
                "problem": f.problem,
            }
            for f in listed
        ]

    return [
        {
            "run_id": r.run_id,
            "context": str(r.path),
            "live": r.live,
            "pid": r.record.pid if r.record else None,
            "host": r.record.host if r.record else None,
            "age_seconds": round(now - r.started_ns / 1e9, 3),
            "pending": files(r.pending),
            "executed": files(r.executed),
        }
        for r in runs
    ]


@dataclass
class ExecuteResult:
    """What `rollback execute` did: the report, refused files, live runs left alone."""

    report: RollbackReport = field(default_factory=RollbackReport)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    live_runs: list[RunInfo] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)
    """Executed version files deleted for being older than the retention period."""

    @property
    def exit_code(self) -> int:
        """0 when everything selected was restored; 3 otherwise (DESIGN §5)."""
        return 3 if self.refused or not self.report.complete else 0


def rollback_execute(
    versions_dir: Path,
    connect: Callable[[], KubeApi],
    *,
    run_id: str | None = None,
    scenario_type: str | None = None,
    file: Path | None = None,
    dry_run: bool = False,
    progress: executor.Progress | None = None,
    should_abort: Callable[[], bool] | None = None,
    retention_days: float | None = None,
) -> ExecuteResult:
    """Execute pending version files of dead runs newest first; `file` picks exactly one.
    First (not in a dry run) delete executed files older than `retention_days`, if given."""
    result = ExecuteResult()
    if retention_days is not None and not dry_run:
        result.pruned = prune_executed(versions_dir, retention_days=retention_days)
    if file is not None:
        entry = directory.load_for_execution(file)
        if is_live(entry.path.parent):
            raise errors.JournalError(
                f"{file} belongs to a run that is still alive; stop it first (it rolls back itself)"
            )
        entries = [entry]
    else:
        selection = directory.select_pending(
            versions_dir, run_id=run_id, scenario_type=scenario_type
        )
        result.refused, result.live_runs = selection.refused, selection.live_runs
        entries = selection.entries
    if not entries:
        return result
    cluster = _FirstUse(connect)
    try:
        result.report = executor.execute(
            entries, cluster, dry_run=dry_run, progress=progress, should_abort=should_abort
        )
    finally:
        cluster.close()
    return result


class _FirstUse:
    """Connects when an undo first needs the cluster; a failed connection is not retried
    for every entry (each of those entries fails with the same error and stays pending)."""

    def __init__(self, connect: Callable[[], KubeApi]) -> None:
        self._connect = connect
        self._api: KubeApi | None = None
        self._error: Exception | None = None

    def __call__(self) -> KubeApi:
        if self._error is not None:
            raise self._error
        if self._api is None:
            try:
                self._api = self._connect()
            except Exception as exc:
                self._error = exc
                raise
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()


@dataclass
class SweepResult:
    """Stale journal entries executed, then leftover labelled objects removed."""

    journal: ExecuteResult
    leftovers: list[LeftoverOutcome] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    """Kinds this identity may not list (HTTP 403): their leftovers, if any, were not seen."""

    @property
    def exit_code(self) -> int:
        """0 when the journal and every leftover were restored; 3 otherwise (DESIGN §5)."""
        complete = all(o.ok for o in self.leftovers)
        return 3 if not complete or self.journal.exit_code else 0


def rollback_sweep(
    versions_dir: Path,
    connect: Callable[[], KubeApi],
    *,
    dry_run: bool = False,
    min_age_seconds: float = 3600.0,
    progress: executor.Progress | None = None,
    retention_days: float | None = None,
) -> SweepResult:
    """Roll back dead runs' journals, then delete objects labelled managed-by=undertow
    whose run is not alive here: at once for runs known dead in this versions dir, after
    `min_age_seconds` for runs unknown here (their journal may live on another machine)."""
    journal = rollback_execute(
        versions_dir, connect, dry_run=dry_run, progress=progress, retention_days=retention_days
    )
    runs = directory.list_runs(versions_dir, include_executed=True)
    result = SweepResult(journal)
    api = connect()
    try:
        found = find_leftovers(
            api,
            live={r.run_id for r in runs if r.live},
            dead={r.run_id for r in runs if not r.live},
            min_age=min_age_seconds,
            now=time.time(),
            unlisted=result.unlisted,
        )
        result.leftovers = remove_leftovers(found, lambda: api, dry_run=dry_run)
    finally:
        api.close()
    return result
