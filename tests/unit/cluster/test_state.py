"""State dir bookkeeping: save/load, wipe keeps the logs, names are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from undertow.cluster.state import ClusterState, ComponentRecord, StateDir, tail
from undertow.errors import LocalClusterError


def test_state_round_trips(tmp_path: Path) -> None:
    state_dir = StateDir.for_name("demo", tmp_path)
    state_dir.prepare()
    state = ClusterState(name="demo", nodes=3, zones=3, api_port=6443, binaries="/b")
    state.components.append(
        ComponentRecord("etcd", 42, 2379, "/b/etcd", "http://127.0.0.1:2379/health", "ok", False)
    )
    state_dir.save(state)
    assert state_dir.load() == state
    assert state_dir.load().component("etcd").pid == 42  # type: ignore[union-attr]


def test_wipe_keeps_only_the_logs(tmp_path: Path) -> None:
    state_dir = StateDir.for_name("demo", tmp_path)
    state_dir.prepare()
    state_dir.log("etcd").write_text("last words\n")
    (state_dir.path / "pki").mkdir()
    (state_dir.path / "pki" / "ca.key").write_text("secret")
    state_dir.kubeconfig.write_text("{}")
    state_dir.save(ClusterState(name="demo", nodes=1, zones=1, api_port=1, binaries="/b"))

    state_dir.wipe()

    assert [p.name for p in state_dir.path.iterdir()] == ["logs"]
    assert state_dir.log("etcd").read_text() == "last words\n"
    assert state_dir.load() is None


def test_unreadable_state_is_a_clear_error(tmp_path: Path) -> None:
    state_dir = StateDir.for_name("demo", tmp_path)
    state_dir.prepare()
    (state_dir.path / "state.json").write_text("{not json")
    with pytest.raises(LocalClusterError, match="unreadable"):
        state_dir.load()


@pytest.mark.parametrize("name", ["", "../x", ".hidden", "a/b"])
def test_bad_names_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(LocalClusterError):
        StateDir.for_name(name, tmp_path)


def test_tail_shows_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    shown = tail(log, 3).splitlines()
    assert [s.strip() for s in shown] == ["line 97", "line 98", "line 99"]
    assert "no log" in tail(tmp_path / "missing.log")
