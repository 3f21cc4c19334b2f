"""Version files are bound to their run and their writer by an HMAC keyed outside the
versions dir: an edited, moved, renamed or foreign file is refused before anything runs."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from journal_data import delete_data

from undertow import errors, undo
from undertow.commands.rollback import rollback_execute
from undertow.kube import KubeApi
from undertow.rollback import directory, signing, template
from undertow.rollback.journal import Journal
from undertow.testing import sign_version_file

BASE = {
    "format": undo.FORMAT,
    "run_id": "run-1",
    "scenario_type": "pod_disruption_scenarios",
    "recorded_at": "2026-01-01T00:00:00.000000Z",
}


def _no_cluster() -> KubeApi:
    raise AssertionError("a refused file must not lead to any cluster call")


def _dead_entry(versions: Path, run_id: str = "dead-run", name: str = "a") -> Path:
    journal = Journal.open(versions, run_id)
    entry = journal.record("x", delete_data(name))
    journal.close()
    return entry.path


def _refused(versions: Path, path: Path, reason: str) -> None:
    with pytest.raises(errors.TamperedVersionFile, match=reason):
        directory.load_for_execution(path)
    [listed] = [f for run in directory.list_runs(versions) for f in run.pending if f.path == path]
    assert reason in (listed.problem or "")
    result = rollback_execute(versions, _no_cluster)
    assert result.exit_code == 3 and path in [p for p, _ in result.refused]


def test_the_key_is_created_once_0600_in_a_private_directory(tmp_path: Path) -> None:
    path = tmp_path / "config" / "undertow" / "journal.key"
    key = signing.load_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(key.secret) == 32 and signing.load_key(path).secret == key.secret


def test_the_default_key_lives_in_the_config_dir_not_the_versions_dir() -> None:
    env = {"XDG_CONFIG_HOME": "/home/u/.config"}
    assert signing.key_path_from_environment(env) == Path("/home/u/.config/undertow/journal.key")
    env["UNDERTOW_JOURNAL_KEY"] = "/run/secrets/undertow/journal.key"
    assert signing.key_path_from_environment(env) == Path("/run/secrets/undertow/journal.key")


@pytest.mark.parametrize("mode", [0o666, 0o644, 0o620])
def test_a_key_others_could_read_or_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "journal.key"
    signing.load_key(path)
    path.chmod(mode)
    with pytest.raises(errors.JournalError, match=f"journal key {path}.*chmod 600"):
        signing.load_key(path)


def test_a_mounted_secret_a_symlink_to_a_read_only_file_is_a_key(tmp_path: Path) -> None:
    real = tmp_path / "..data" / "journal.key"
    real.parent.mkdir()
    real.write_text("ab" * 32 + "\n")
    real.chmod(0o440)
    (tmp_path / "journal.key").symlink_to(real)
    assert signing.load_key(tmp_path / "journal.key").secret == bytes.fromhex("ab" * 32)


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"abcd\n")
    os.close(fd)
    with pytest.raises(errors.JournalError, match="64 hex digits"):
        signing.load_key(path)


def test_a_file_signed_with_another_key_is_untrusted(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    path = _dead_entry(versions)
    sign_version_file(path, tmp_path / "other.key")
    _refused(versions, path, "MAC does not match")


def test_an_unsigned_file_is_untrusted(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    path = _dead_entry(versions)
    lines = path.read_text().splitlines(keepends=True)
    assert lines[-1].startswith("# undertow-mac: hmac-sha256:")
    path.write_text("".join(lines[:-1]))
    _refused(versions, path, "no undertow MAC")


def test_a_file_moved_to_another_run_is_untrusted(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    theirs = _dead_entry(versions, "run-a", "a")
    ours = _dead_entry(versions, "run-b", "b")
    moved = ours.parent / theirs.name
    shutil.copyfile(theirs, moved)
    moved.chmod(0o600)
    _refused(versions, moved, "MAC does not match")


def test_a_renamed_file_is_untrusted(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    path = _dead_entry(versions)
    renamed = path.rename(path.with_name("y" + path.name[1:]))
    _refused(versions, renamed, "MAC does not match")


def test_signed_data_must_name_the_run_and_scenario_of_its_place(tmp_path: Path) -> None:
    versions = tmp_path / "v"
    path = _dead_entry(versions)
    path.write_text(path.read_text().replace("'run_id': 'dead-run'", "'run_id': 'other-run'"))
    sign_version_file(path)
    with pytest.raises(errors.TamperedVersionFile, match="names run 'other-run'"):
        directory.load_for_execution(path)


def test_the_mac_line_is_a_comment_after_the_code(tmp_path: Path) -> None:
    path = _dead_entry(tmp_path / "v")
    text = path.read_text()
    body, mac = text[: text.rindex("# undertow-mac")], text[text.rindex("# undertow-mac") :]
    assert body.endswith("raise SystemExit(main(UNDO))\n")
    assert mac.count("\n") == 1 and len(mac.split(":")[-1].strip()) == 64
    compile(text, str(path), "exec")


def test_a_file_signed_in_pieces_is_the_file_signed_whole(tmp_path: Path) -> None:
    key = signing.load_key(tmp_path / "key")
    data = {**BASE, **delete_data("web")}
    head = template.render_head(data)
    assert b"".join(key.signed_file("ctx/x_1_abcdefgh.py", head)) == key.sign(
        "ctx/x_1_abcdefgh.py", template.render(data)
    ).encode("utf-8")


def test_listing_reads_the_head_and_mac_and_execution_checks_the_code(tmp_path: Path) -> None:
    path = _dead_entry(tmp_path / "v")
    text = path.read_text()
    edited = text.replace("def undo(", "def und0(", 1)
    assert len(edited) == len(text) != text.index("def undo(") > 0
    path.write_text(edited)
    [listed] = [f for run in directory.list_runs(tmp_path / "v") for f in run.pending]
    assert (listed.problem, listed.undo) == (None, "delete ConfigMap default/a created by undertow")
    with pytest.raises(errors.TamperedVersionFile, match="MAC does not match"):
        directory.load_for_execution(path)
