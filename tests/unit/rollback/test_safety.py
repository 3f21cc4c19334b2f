"""Tampered version files are refused before anything in them runs or any cluster call."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from journal_data import delete_data

from undertow import errors
from undertow.commands.rollback import rollback_execute
from undertow.kube import KubeApi
from undertow.rollback import directory
from undertow.rollback.journal import Journal
from undertow.testing import sign_version_file

PAYLOAD = "open({marker!r}, 'w').write('ran')\n"


def _no_cluster() -> KubeApi:
    raise AssertionError("a refused file must not lead to any cluster call")


def _dead_entry(versions_dir: Path) -> Path:
    journal = Journal.open(versions_dir, "dead-run")
    entry = journal.record("x", delete_data("a"))
    journal.close()
    return entry.path


def _chown(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    os.chown(path, 12345, 12345)


def _make_world_writable(path: Path) -> None:
    path.chmod(0o666)


def _edit_code(path: Path) -> None:
    marker = path.with_name("marker")
    text = path.read_text().replace(
        "def undo(", PAYLOAD.format(marker=str(marker)) + "\n\ndef undo("
    )
    path.write_text(text)


def _edit_code_and_sign(path: Path) -> None:
    _edit_code(path)
    sign_version_file(path)


def _edit_data(path: Path) -> None:
    """Only the UNDO literal changes: the undo would now delete another object."""
    text = path.read_text()
    edited = text.replace("'name': 'a'", "'name': 'someone-elses'")
    assert edited != text
    path.write_text(edited)


def _open_context(path: Path) -> None:
    path.parent.chmod(0o777)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_chown, "owned by uid 12345"),
        (_make_world_writable, "writable by group or others"),
        (_edit_code, "MAC does not match"),
        (_edit_code_and_sign, "code differs"),
        (_edit_data, "MAC does not match"),
        (_open_context, "writable by group or others"),
    ],
)
def test_tampered_file_is_refused_and_nothing_runs(
    tmp_path: Path, tamper: Callable[[Path], None], reason: str
) -> None:
    versions = tmp_path / "v"
    path = _dead_entry(versions)
    before = path.read_bytes()
    tamper(path)
    with pytest.raises(errors.TamperedVersionFile, match=reason):
        directory.load_for_execution(path)
    result = rollback_execute(versions, _no_cluster)
    assert result.exit_code == 3
    assert [p for p, _ in result.refused] == [path]
    assert reason in result.refused[0][1]
    assert path.exists() and not path.with_name(path.name + ".executed").exists()
    assert not path.with_name("marker").exists()
    if tamper not in (_edit_code, _edit_code_and_sign, _edit_data):
        assert path.read_bytes() == before


def test_explicit_tampered_file_raises_without_advice_to_run_it(tmp_path: Path) -> None:
    path = _dead_entry(tmp_path / "v")
    path.chmod(0o646)
    with pytest.raises(errors.TamperedVersionFile, match="nothing in it was run") as raised:
        rollback_execute(tmp_path / "v", _no_cluster, file=path)
    assert "python " not in str(raised.value)


def test_executed_files_are_never_rerun(tmp_path: Path) -> None:
    path = _dead_entry(tmp_path / "v")
    executed = path.rename(path.with_name(path.name + ".executed"))
    with pytest.raises(errors.JournalError, match="already executed"):
        directory.load_for_execution(executed)
    assert rollback_execute(tmp_path / "v", _no_cluster).exit_code == 0


def test_nothing_pending_needs_no_cluster(tmp_path: Path) -> None:
    result = rollback_execute(tmp_path / "missing", _no_cluster)
    assert result.exit_code == 0 and result.report.outcomes == []
