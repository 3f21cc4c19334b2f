"""Publishing a version file never overwrites a file that holds its name, even one that
appears while the new file is being written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from undertow.rollback import durable
from undertow.rollback.naming import TEMP_PREFIX


def test_publish_new_writes_a_private_file_and_syncs_it_and_its_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fdatasync, real_fsync_dir = os.fdatasync, durable.fsync_dir

    def fdatasync(fd: int) -> None:
        synced.append("file")
        real_fdatasync(fd)

    def fsync_dir(directory: Path) -> None:
        synced.append(f"dir {directory.name}")
        real_fsync_dir(directory)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    monkeypatch.setattr(durable, "fsync_dir", fsync_dir)
    path = durable.publish_new(tmp_path, "x_1_abcdefgh.py", "UNDO = {}\n")
    assert path.read_text() == "UNDO = {}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert synced == ["file", f"dir {tmp_path.name}"]
    assert os.listdir(tmp_path) == ["x_1_abcdefgh.py"]


def test_publish_new_refuses_a_name_that_is_taken(tmp_path: Path) -> None:
    (tmp_path / "x.py").write_text("theirs")
    with pytest.raises(FileExistsError):
        durable.publish_new(tmp_path, "x.py", "ours")
    assert (tmp_path / "x.py").read_text() == "theirs"
    assert os.listdir(tmp_path) == ["x.py"]


def test_a_file_appearing_while_ours_is_written_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write_temp = durable._write_temp

    def racing_write_temp(directory: Path, final_name: str, text: str) -> Path:
        (directory / final_name).write_text("theirs")  # lands after any existence check
        return real_write_temp(directory, final_name, text)

    monkeypatch.setattr(durable, "_write_temp", racing_write_temp)
    with pytest.raises(FileExistsError):
        durable.publish_new(tmp_path, "x.py", "ours")
    assert (tmp_path / "x.py").read_text() == "theirs"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(TEMP_PREFIX)]


def test_a_file_given_in_pieces_is_written_whole(tmp_path: Path) -> None:
    pieces = [b"head\n", b"x" * 200_000, b"", b"# mac\n"]
    path = durable.publish_new(tmp_path, "x_1_abcdefgh.py", pieces)
    assert path.read_bytes() == b"".join(pieces)
