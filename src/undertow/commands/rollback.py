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

from undertow import errors, exit_codes
from undertow.commands.rollback_filters import Filters, find_version_file
from undertow.kube import KubeApi
from undertow.rollback import directory, executor, signing
from undertow.rollback.cluster_copy import mark_undone_here
from undertow.rollback.conflict import explain_conflicts
from undertow.rollback.directory import RunInfo
from undertow.rollback.entry import RollbackReport
from undertow.rollback.lock import ContextBusy, ContextLock, holder, is_live
from undertow.rollback.retention import prune_executed
from undertow.rollback.signing import JournalKey
from undertow.rollback.sweep import LeftoverOutcome, find_leftovers, remove_leftovers
from undertow.rollback.temps import remove_dead_temps
from undertow.runner.cluster_restore import (
    ClusterRestore,
    ListedCopy,
    list_copies,
    restore_from_cluster,
)


def rollback_list(
    versions_dir: Path,
    *,
    run_id: str | None = None,
    scenario_type: str | None = None,
    include_executed: bool = False,
    journal_key: Path | None = None,
) -> list[RunInfo]:
    """Runs with pending (and, with include_executed, executed) version files; files whose
    MAC `journal_key` does not verify are listed as refused.

    `run_id` may be the start of a run id; filters that select nothing are bad input."""
    filters = Filters.select(versions_dir, run=run_id, scenario_type=scenario_type)
    runs = directory.list_runs(
        versions_dir,
        run_id=filters.run_id,
        scenario_type=filters.scenario_type,
        include_executed=include_executed,
        key=signing.load_key(journal_key),
    )
    if filters.given and not runs:
        raise filters.nothing_matches(versions_dir, "" if include_executed else "pending")
    return runs


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
            "holder": r.holder,
            "problem": r.problem,
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
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    """Per conflicting file: what undertow set, what is there now, how to inspect or force it."""
    pruned: list[Path] = field(default_factory=list)
    """Executed version files deleted for being older than the retention period."""
    temps_removed: list[Path] = field(default_factory=list)
    """Temp copies of version files that dead runs never published (nothing was changed)."""
    copy_unmarked: list[str] = field(default_factory=list)
    """Entries undone here that could not be marked executed in their run's cluster copy."""

    @property
    def complete(self) -> bool:
        """Everything selected was restored: no file refused, every undo restored."""
        return not self.refused and self.report.complete

    @property
    def exit_code(self) -> int:
        return exit_codes.for_rollback(complete=self.complete)


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
    journal_key: Path | None = None,
    retention_days: float | None = None,
) -> ExecuteResult:
    """Execute pending version files of dead runs newest first; `file` picks exactly one.

    First (not in a dry run) delete executed files older than `retention_days`, if given,
    and the temp files dead runs left unpublished (`undertow.rollback.temps`).
    `run_id` may be the start of a run id. A `run_id` or `scenario_type` that selects no
    pending file, or a scenario type that does not exist, is bad input (errors.ConfigError).
    When the cluster cannot be opened (no kubeconfig, unknown context, unreachable server)
    and so nothing at all was restored, that error is raised (exit 2); the files stay pending.
    Each context executed is held for the whole execution (one executor at a time); the key
    in `journal_key` (default: `signing.load_key()`'s) verifies the files' MACs.
    """
    key = signing.load_key(journal_key)
    result = ExecuteResult()
    if retention_days is not None and not dry_run:
        result.pruned = prune_executed(versions_dir, retention_days=retention_days)
    if not dry_run:
        result.temps_removed = remove_dead_temps(versions_dir)
    if file is not None:
        selection = _select_file(find_version_file(versions_dir, file), key)
    else:
        filters = Filters.select(versions_dir, run=run_id, scenario_type=scenario_type)
        selection = directory.select_pending(
            versions_dir, run_id=filters.run_id, scenario_type=filters.scenario_type, key=key
        )
        result.refused, result.live_runs = selection.refused, selection.live_runs
        if filters.given and not (selection.entries or result.refused or result.live_runs):
            raise filters.nothing_matches(versions_dir, "pending")
    with selection:
        if not selection.entries:
            return result
        cluster = _FirstUse(connect)
        try:
            result.report = executor.execute(
                selection.entries,
                cluster,
                dry_run=dry_run,
                progress=progress,
                should_abort=should_abort,
            )
            result.conflicts = explain_conflicts(result.report.outcomes, cluster)
            if not dry_run:
                result.copy_unmarked = mark_in_cluster_copies(result.report, cluster)
        finally:
            cluster.close()
    unusable = cluster.error
    nothing_changed = not any(o.resolved for o in result.report.outcomes)
    if unusable and nothing_changed and exit_codes.for_error(unusable) == exit_codes.BAD_INPUT:
        raise unusable  # a kubeconfig, context or API server problem (exit 2); files kept
    return result


def mark_in_cluster_copies(report: RollbackReport, cluster: Callable[[], KubeApi]) -> list[str]:
    """Mark the entries undone here executed in their runs' cluster copies; what could not be."""
    undone = [o.entry for o in report.outcomes if o.resolved and o.entry.data.get("cluster_copy")]
    if not undone:
        return []
    try:
        api = cluster()
    except Exception as exc:  # the API server cannot be reached: say so, leave the copy
        return [f"the cluster copy of {len(undone)} entry(ies) was not reached: {exc}"]
    return mark_undone_here(api, undone)


def rollback_execute_from_cluster(
    connect: Callable[[], KubeApi],
    namespace: str,
    *,
    run_id: str | None = None,
    dry_run: bool = False,
    progress: executor.Progress | None = None,
) -> ClusterRestore:
    """Restore dead runs (or `run_id`) from their journal's cluster copy in `namespace`:
    no versions dir and no journal key needed, only a kubeconfig allowed to read the copy."""
    api = connect()
    try:
        return restore_from_cluster(
            api, namespace, run_id=run_id, dry_run=dry_run, progress=progress
        )
    finally:
        api.close()


def rollback_list_from_cluster(
    connect: Callable[[], KubeApi], namespace: str, *, run_id: str | None = None
) -> list[ListedCopy]:
    """The runs whose journal has a cluster copy in `namespace` (what `--from-cluster` can
    restore from any machine); a `run_id` that selects none is bad input."""
    api = connect()
    try:
        listed = list_copies(api, namespace, run_id=run_id)
    finally:
        api.close()
    if run_id and not listed:
        raise errors.ConfigError(
            [
                errors.ConfigIssue(
                    "command line", "--run", f"no run's cluster copy in {namespace} matches it"
                )
            ]
        )
    return listed


def copies_as_json(listed: list[ListedCopy], *, now: float | None = None) -> list[dict[str, Any]]:
    """The `rollback list --from-cluster --json` document."""
    now = time.time() if now is None else now
    return [
        {
            "run_id": item.copied.run_id,
            "namespace": item.copied.namespace,
            "objects": [f"{kind}/{name}" for kind, name in item.copied.objects],
            "state": item.state(now),
            "holder": item.lease.holder if item.lease else None,
            "pending": [
                {
                    "entry": str(e.path),
                    "scenario_type": e.name.scenario_type,
                    "timestamp_ns": e.name.timestamp_ns,
                    "undo": e.description,
                }
                for e in item.copied.pending
            ],
            "executed": item.copied.executed,
            "refused": item.copied.refused,
        }
        for item in listed
    ]


def _select_file(file: Path, key: JournalKey) -> directory.Selection:
    """`file` alone, its context held; JournalError if a live run or executor holds it."""
    context = file.absolute().parent
    if is_live(context):
        raise errors.JournalError(
            f"{file} belongs to a run that is still alive ({holder(context)}); stop it first "
            "(it rolls back itself)"
        )
    try:
        lock = ContextLock(context)
    except ContextBusy as exc:
        raise errors.JournalError(f"{file} cannot be executed now: {exc}") from exc
    selection = directory.Selection(locks=[lock])
    try:
        selection.entries = [directory.load_for_execution(file, key)]
    except BaseException:
        selection.release()
        raise
    return selection


class _FirstUse:
    """Connects when an undo first needs the cluster; a failed connection is not retried
    for every entry (each of those entries fails with the same error and stays pending)."""

    def __init__(self, connect: Callable[[], KubeApi]) -> None:
        self._connect = connect
        self._api: KubeApi | None = None
        self._error: Exception | None = None

    @property
    def error(self) -> errors.UndertowError | None:
        """Why the cluster could not be opened, if it could not."""
        return self._error if isinstance(self._error, errors.UndertowError) else None

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
    search_failed: str = ""
    """Why the leftovers could not be searched for (or removed), after the journals were."""

    @property
    def complete(self) -> bool:
        """The dead runs' journals and every leftover were restored."""
        leftovers_ok = not self.search_failed and all(o.ok for o in self.leftovers)
        return self.journal.complete and leftovers_ok

    @property
    def exit_code(self) -> int:
        return exit_codes.for_rollback(complete=self.complete)


def rollback_sweep(
    versions_dir: Path,
    connect: Callable[[], KubeApi],
    *,
    dry_run: bool = False,
    min_age_seconds: float = 3600.0,
    progress: executor.Progress | None = None,
    journal_key: Path | None = None,
    retention_days: float | None = None,
) -> SweepResult:
    """Roll back dead runs' journals, then delete objects labelled managed-by=undertow
    whose run is not alive here: at once for runs known dead in this versions dir, after
    `min_age_seconds` for runs unknown here (their journal may live on another machine)."""
    journal = rollback_execute(
        versions_dir,
        connect,
        dry_run=dry_run,
        progress=progress,
        journal_key=journal_key,
        retention_days=retention_days,
    )
    runs = rollback_list(versions_dir, include_executed=True, journal_key=journal_key)
    result = SweepResult(journal)
    try:
        api = connect()
    except errors.UndertowError as exc:
        if not any(o.resolved for o in journal.report.outcomes):
            raise  # nothing done at all: the kubeconfig, context or server problem alone
        result.search_failed = str(exc)
        return result
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
    except errors.UndertowError as exc:  # the journals' results still get reported
        result.search_failed = str(exc)
    finally:
        api.close()
    return result
