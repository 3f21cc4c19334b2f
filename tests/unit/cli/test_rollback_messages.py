"""The lines `rollback execute` and `rollback sweep` end with: what was done, what was
refused and why, what stays pending and how to settle it — never "nothing to do" beside a
failure. Built from results in memory (the cluster side is tested in tests/integration)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from undertow.cli.rollback import leftover_summary, print_execution
from undertow.commands.rollback import ExecuteResult
from undertow.rollback.entry import EntryOutcome, JournalEntry, RollbackReport
from undertow.rollback.naming import VersionName
from undertow.rollback.sweep import LeftoverOutcome, leftover

FILE = Path("/v/1-run/sleep_scenarios_1_abcdefgh.py")


def entry_outcome(outcome: str, detail: str) -> EntryOutcome:
    name = VersionName("sleep_scenarios", 1, "abcdefgh", False)
    return EntryOutcome(JournalEntry(FILE, name, "run", {}), outcome, detail, FILE)


def left(outcome: str, detail: str) -> LeftoverOutcome:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": "ns", "uid": "u", "labels": {}},
    }
    return LeftoverOutcome(leftover(obj), outcome, detail)


def test_a_refused_file_is_named_with_its_reason_and_counted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = ExecuteResult(refused=[(FILE, f"{FILE}: writable by others; refused")])
    print_execution(result, "journal of dead runs")
    out, err = capsys.readouterr()
    assert out == "journal of dead runs: 1 refused (left untouched)\n"
    assert err == f"refused: {FILE}: writable by others; refused\n"


def test_a_failed_entry_is_counted_and_its_file_named(capsys: pytest.CaptureFixture[str]) -> None:
    failed = entry_outcome("failed", "delete ConfigMap ns/x: 403 forbidden")
    result = ExecuteResult(report=RollbackReport(outcomes=[failed]))
    print_execution(result, "rollback")
    out, err = capsys.readouterr()
    assert out == "rollback: 1 failed\n"
    assert err == f"still pending: {FILE}\n"


def test_a_conflict_is_followed_by_how_to_settle_it(capsys: pytest.CaptureFixture[str]) -> None:
    conflict = entry_outcome("conflict", "ConfigMap ns/x: /data/a changed by someone else")
    result = ExecuteResult(
        report=RollbackReport(outcomes=[conflict]),
        conflicts={str(FILE): ["inspect: kubectl get configmap x -n ns -o yaml"]},
    )
    print_execution(result, "rollback")
    assert capsys.readouterr().err.splitlines() == [
        f"still pending: {FILE}",
        "  inspect: kubectl get configmap x -n ns -o yaml",
    ]


def test_nothing_pending_is_said_only_when_nothing_went_wrong(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_execution(ExecuteResult(), "rollback")
    assert capsys.readouterr().out == "rollback: nothing pending\n"


def test_the_sweep_summary_counts_each_outcome_and_points_at_the_failures() -> None:
    removed = left("restored", "ConfigMap ns/x: deleted")
    failed = left("failed", "delete leftover ConfigMap ns/x: 403 forbidden")
    assert leftover_summary([], dry_run=False) == "no leftover objects found"
    assert leftover_summary([removed, failed], dry_run=False) == (
        "2 leftover object(s): 1 failed, 1 restored; 1 not removed (why: above)"
    )
    would = left("would restore", "would delete ConfigMap ns/x")
    assert leftover_summary([would], dry_run=True) == (
        "1 leftover object(s): 1 would restore; nothing was changed"
    )
    assert leftover_summary([], dry_run=False, search_failed="403 listing pods") == (
        "0 leftover object(s) handled, then the search failed (why: above)"
    )


def test_a_sweep_that_cannot_reach_the_cluster_is_exit_2_with_the_hint(
    workdir: Path, cli: Callable[..., CliResult]
) -> None:
    (workdir / "kc").write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    result = cli("rollback", "sweep", "--kubeconfig", "kc", "--versions-dir", "v")
    assert result.code == 2, result
    assert result.err.startswith("error: cannot reach the API server at https://127.0.0.1:9")
    assert "hint: the kubeconfig (kc) came from --kubeconfig" in result.err
