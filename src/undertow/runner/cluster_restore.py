"""Restoring a run from its journal's cluster copy, on any machine with a kubeconfig.

The entries read from the copy (`undertow.rollback.cluster_copy.read_copies`) go through the
same executor as version files: the same undo verbs, newest first, each verified by
re-reading its object, failures kept pending. An entry undone is renamed `<key>.executed` in
the copy (only if it is still pending there); nothing is written on the local disk. A run
whose heartbeat Lease is fresh is alive somewhere and is never touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from undertow import errors, exit_codes
from undertow.kube import KubeApi
from undertow.rollback import executor
from undertow.rollback.cluster_copy import CopiedRun, mark_executed, read_copies
from undertow.rollback.entry import JournalEntry, RollbackReport
from undertow.runner.heartbeat import lease_name
from undertow.runner.lease import LeaseState, read_lease


@dataclass
class ClusterRestore:
    """What a restore from the cluster copy did, run by run."""

    report: RollbackReport = field(default_factory=RollbackReport)
    runs: list[str] = field(default_factory=list)
    live: list[tuple[str, LeaseState]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.refused and self.report.complete

    @property
    def exit_code(self) -> int:
        return exit_codes.for_rollback(complete=self.complete)


def marker(api: KubeApi) -> Callable[[JournalEntry], Path | None]:
    """The executor's resolver for copy entries: mark each `.executed` in the copy."""

    def resolve(entry: JournalEntry) -> Path | None:
        try:
            mark_executed(api, entry)
        except errors.KubeError as exc:
            raise errors.JournalError(f"not marked executed in the cluster copy: {exc}") from exc
        return entry.path.with_name(entry.path.name + ".executed")

    return resolve


def restore_run(
    api: KubeApi,
    copied: CopiedRun,
    *,
    dry_run: bool = False,
    progress: executor.Progress | None = None,
    should_abort: Callable[[], bool] | None = None,
) -> RollbackReport:
    """Undo one run's pending copy entries newest first, marking each executed in the copy."""
    return executor.execute(
        copied.pending,
        lambda: api,
        dry_run=dry_run,
        progress=progress,
        should_abort=should_abort,
        resolve=marker(api),
    )


@dataclass(frozen=True)
class ListedCopy:
    """A run's cluster copy as `rollback list --from-cluster` shows it, with its Lease."""

    copied: CopiedRun
    lease: LeaseState | None

    def state(self, now: float) -> str:
        """live (Lease renewed), dead (Lease lapsed) or ended (no Lease: the run ended, or
        a guardian restored it)."""
        if self.lease is None:
            return "ended"
        return "live" if self.lease.fresh(now) else "dead"


def list_copies(api: KubeApi, namespace: str, *, run_id: str | None = None) -> list[ListedCopy]:
    """Every run's cluster copy in `namespace` (or those of runs whose id starts with
    `run_id`), each with its heartbeat Lease."""
    copies = [c for c in read_copies(api, namespace) if c.run_id.startswith(run_id or "")]
    return [ListedCopy(c, read_lease(api, namespace, lease_name(c.run_id))) for c in copies]


def restore_from_cluster(
    api: KubeApi,
    namespace: str,
    *,
    run_id: str | None = None,
    dry_run: bool = False,
    progress: executor.Progress | None = None,
    should_abort: Callable[[], bool] | None = None,
    now: Callable[[], float] = time.time,
) -> ClusterRestore:
    """Restore every run (or `run_id`, or the one run whose id starts with it) from its copy
    in `namespace`, skipping runs whose Lease is fresh. errors.ConfigError if `run_id`
    selects no copy."""
    copies = read_copies(api, namespace)
    if run_id is not None:
        exact = [c for c in copies if c.run_id == run_id]
        copies = exact or [c for c in copies if c.run_id.startswith(run_id)]
        if len(copies) != 1:
            known = ", ".join(c.run_id for c in read_copies(api, namespace)) or "none"
            problem = "no run's cluster copy" if not copies else "more than one run's copy"
            raise errors.ConfigError(
                [
                    errors.ConfigIssue(
                        "command line",
                        "--run",
                        f"{problem} in namespace {namespace} matches {run_id!r} "
                        f"(copies there: {known})",
                    )
                ]
            )
    result = ClusterRestore()
    for copied in copies:
        lease = read_lease(api, namespace, lease_name(copied.run_id))
        if lease is not None and lease.fresh(now()):
            result.live.append((copied.run_id, lease))
            continue
        result.refused.extend(copied.refused)
        if not copied.pending:
            continue
        result.runs.append(copied.run_id)
        result.report.extend(
            restore_run(api, copied, dry_run=dry_run, progress=progress, should_abort=should_abort)
        )
    return result
