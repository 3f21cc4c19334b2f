"""One holder per rollback context: a live run stays live when its run.lock is deleted, two
executors never run the same entries, and an entry that cannot be marked executed makes the
rollback incomplete (exit 3) instead of running again later unnoticed."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cloud_fakes import fake_boto3

from undertow import errors, undo
from undertow.commands.rollback import rollback_execute
from undertow.kube import KubeApi
from undertow.rollback import directory, naming
from undertow.rollback.journal import Journal
from undertow.rollback.lock import is_live

START_AWS = {
    "action": "start_instance",
    "description": "start aws instance i-1 (node worker-1) stopped by undertow",
    "instance": {"provider": "aws", "id": "i-1", "region": "eu-west-1"},
    "target": {"api_version": "v1", "kind": "Node", "name": "worker-1", "namespace": None},
}

LIVE_RUN = """
import sys, time, pathlib
from undertow.rollback.journal import Journal
j = Journal.open(pathlib.Path(sys.argv[1]), "live-run")
j.record("node_scenarios", {START_AWS!r})
print(j.context, flush=True)
time.sleep(120)
"""

EXECUTOR = """
import sys, time, pathlib
from undertow.rollback import directory
selection = directory.select_pending(pathlib.Path(sys.argv[1]))
print(len(selection.entries), flush=True)
time.sleep(120)
"""


def _no_cluster() -> KubeApi:
    raise AssertionError("no entry may run here")


def _holder(code: str, versions: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(versions)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield proc, proc.stdout.readline().strip()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture
def live_run(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    code = LIVE_RUN.replace("{START_AWS!r}", repr(START_AWS))
    for proc, context in _holder(code, tmp_path / "v"):
        yield proc, Path(context)


def _dead_entry(versions: Path) -> Path:
    journal = Journal.open(versions, "dead-run")
    entry = journal.record("node_scenarios", START_AWS)
    journal.close()
    return entry.path


def test_deleting_run_lock_does_not_make_a_live_run_look_dead(
    tmp_path: Path, live_run: tuple[subprocess.Popen[str], Path]
) -> None:
    proc, context = live_run
    (context / naming.LOCK_FILE).unlink()
    (context / naming.RUN_RECORD).unlink()
    assert is_live(context)
    assert directory.stale_runs(tmp_path / "v") == []
    result = rollback_execute(tmp_path / "v", _no_cluster)
    assert result.report.outcomes == [] and result.exit_code == 0
    [skipped] = result.live_runs
    assert f"pid {proc.pid}" in (skipped.holder or "")
    with pytest.raises(errors.JournalError, match=f"still alive.*pid {proc.pid}"):
        file = next(p for p in context.iterdir() if naming.parse_version_file(p.name))
        rollback_execute(tmp_path / "v", _no_cluster, file=file)


def test_a_second_executor_leaves_a_context_being_executed_alone(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    pending = _dead_entry(versions)
    for proc, selected in _holder(EXECUTOR, versions):
        assert selected == "1"
        result = rollback_execute(versions, _no_cluster)
        assert result.report.outcomes == []
        [busy] = result.live_runs
        assert f"pid {proc.pid}" in (busy.holder or "")
        with pytest.raises(errors.JournalError, match=f"pid {proc.pid}"):
            rollback_execute(versions, _no_cluster, file=pending)
    assert pending.exists()


def test_the_executor_releases_the_context_when_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3())
    versions = tmp_path / "v"
    first, second = _dead_entry(versions), _dead_entry(versions)
    assert rollback_execute(versions, _no_cluster, file=first).exit_code == 0
    assert not is_live(first.parent)
    assert rollback_execute(versions, _no_cluster).exit_code == 0
    assert second.with_name(second.name + ".executed").exists()


def test_an_entry_that_cannot_be_marked_executed_leaves_the_rollback_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3())
    versions = tmp_path / "v"
    pending = _dead_entry(versions)
    pending.with_name(pending.name + ".executed").mkdir()  # the rename target is taken
    result = rollback_execute(versions, _no_cluster)
    [outcome] = result.report.outcomes
    assert outcome.outcome == "failed" and "could not be marked executed" in outcome.detail
    assert result.exit_code == 3
    assert pending.exists()
    assert undo.RESTORED not in result.report.counts()
