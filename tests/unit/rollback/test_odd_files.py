"""Odd files in the versions dir (a FIFO, a symlink to /dev/zero, a huge file, deeply nested
data, a FIFO as run.lock or run.json) are refused one by one, with the reason, while the rest
of the directory is still listed and executed: no command hangs or crashes on them."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from cloud_fakes import fake_boto3

from undertow import undo
from undertow.commands.rollback import rollback_execute
from undertow.kube import KubeApi
from undertow.rollback import directory, naming, reading, template
from undertow.rollback.journal import Journal
from undertow.rollback.lock import is_live, read_record
from undertow.testing import sign_version_file

T = TypeVar("T")

START_AWS = {
    "action": "start_instance",
    "description": "start aws instance i-1 (node worker-1) stopped by undertow",
    "instance": {"provider": "aws", "id": "i-1", "region": "eu-west-1"},
    "target": {"api_version": "v1", "kind": "Node", "name": "worker-1", "namespace": None},
}
ODD_NAME = "node_scenarios_1_oddoddod.py"


def _no_cluster() -> KubeApi:
    raise AssertionError("these undos need no cluster")


def _returns(call: Callable[[], T]) -> T:
    """`call()`, failing the test instead of hanging it if the call never returns."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(call())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the command hangs on an odd file"
    if failure:
        raise failure[0]
    return result[0]


def _dead_run_with_good_entry(versions_dir: Path) -> Path:
    journal = Journal.open(versions_dir, "dead-run")
    entry = journal.record("node_scenarios", START_AWS)
    journal.close()
    return entry.path


def _fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def _symlink_to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _huge(path: Path) -> None:
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    path.chmod(0o600)


def _nested(expression: str) -> Callable[[Path], None]:
    """A file signed as if by its writer (with the key), its header intact, whose UNDO is
    `expression`: listing shows its header, execution must refuse it."""

    def make(path: Path) -> None:
        good = next(p for p in path.parent.iterdir() if p.name.startswith("node_scenarios"))
        head, _ = template.split(good.read_text())
        head = head[: head.index("UNDO = ")] + f"UNDO = {expression}\n\n\n"
        path.write_text(head + template.code_part())
        path.chmod(0o600)
        sign_version_file(path)

    return make


# How the odd file is made, why listing shows it refused (None: its header reads fine), why
# execution refuses it.
ODD = {
    "fifo": (_fifo, "not a regular file", "not a regular file"),
    "symlink to /dev/zero": (_symlink_to_dev_zero, "symlink", "symlink"),
    "100 MB": (_huge, "larger than", "larger than"),
    "deep unary minus": (_nested("-" * 1_000_000 + "1"), None, "does not parse"),
    "deep addition": (_nested("1+" * 200_000 + "1"), None, "does not parse"),
}


@pytest.mark.parametrize("odd", sorted(ODD))
def test_an_odd_version_file_is_refused_and_the_rest_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: str
) -> None:
    make, listed_reason, reason = ODD[odd]
    versions = tmp_path / "v"
    good = _dead_run_with_good_entry(versions)
    bad = good.parent / ODD_NAME
    make(bad)

    [run] = _returns(lambda: directory.list_runs(versions))
    problems = {f.path.name: f.problem for f in run.pending}
    assert problems[good.name] is None
    if listed_reason is None:
        assert problems[ODD_NAME] is None
    else:
        assert listed_reason in (problems[ODD_NAME] or "")

    monkeypatch.setitem(sys.modules, "boto3", fake_boto3())
    result = _returns(lambda: rollback_execute(versions, _no_cluster))
    assert [o.outcome for o in result.report.outcomes] == [undo.RESTORED]
    assert good.with_name(good.name + ".executed").exists()
    assert [path for path, _ in result.refused] == [bad]
    assert reason in result.refused[0][1]
    assert str(bad) in result.refused[0][1]  # every reason names its file (Selection.refused)
    assert result.exit_code == 3


def test_a_deeply_nested_file_no_longer_breaks_later_commands(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    good = _dead_run_with_good_entry(versions)
    _nested("1+" * 200_000 + "1")(good.parent / ODD_NAME)
    for _ in range(2):
        selection = directory.select_pending(versions)
        selection.release()
        assert [e.path for e in selection.entries] == [good]
        assert "does not parse" in selection.refused[0][1]
        assert str(good.parent / ODD_NAME) in selection.refused[0][1]


@pytest.mark.parametrize("name", [naming.LOCK_FILE, naming.RUN_RECORD])
def test_a_fifo_as_run_lock_or_run_json_neither_hangs_nor_hides_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    versions = tmp_path / "v"
    good = _dead_run_with_good_entry(versions)
    (good.parent / name).unlink(missing_ok=True)
    os.mkfifo(good.parent / name, 0o600)

    assert not _returns(lambda: is_live(good.parent))
    if name == naming.RUN_RECORD:
        assert _returns(lambda: read_record(good.parent)) is None
    [stale] = _returns(lambda: directory.stale_runs(versions))
    assert [f.path for f in stale.pending] == [good]
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3())
    result = _returns(lambda: rollback_execute(versions, _no_cluster))
    assert result.exit_code == 0, result.refused


def test_a_file_growing_past_the_limit_while_read_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    with pytest.raises(Exception, match="larger than"):
        reading.read_regular(path, limit=99)
    assert reading.read_regular(path, limit=100) == b"x" * 100


def test_a_file_name_with_a_trailing_newline_is_not_a_version_file(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    good = _dead_run_with_good_entry(versions)
    good.rename(good.with_name(good.name + "\n"))
    assert directory.list_runs(versions) == []
