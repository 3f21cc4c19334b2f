"""Pins, Go discovery and the cache key, on throw-away copies of the tool modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from undertow.cluster import build, toolchain
from undertow.errors import LocalClusterError

REAL_TOOLS = Path(__file__).resolve().parents[3] / "tools"


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    copy = tmp_path / "tools"
    for module in toolchain.TOOL_MODULES:
        (copy / module).mkdir(parents=True)
        for file in (REAL_TOOLS / module).iterdir():
            shutil.copy(file, copy / module / file.name)
    return copy


def test_pins_come_from_the_go_mod_files(tools: Path) -> None:
    pins = toolchain.read_pins(tools)
    assert pins.kubernetes.startswith("v1.")
    assert pins.kubernetes_minor == pins.kubernetes.split(".")[1]
    assert pins.minimum_go >= (1, 25, 0)


def test_ldflags_stamp_the_pinned_version(tools: Path) -> None:
    pins = toolchain.read_pins(tools)
    flags = build.k8s_ldflags(pins)
    assert f"k8s.io/component-base/version.gitVersion={pins.kubernetes}" in flags
    assert f"k8s.io/client-go/pkg/version.gitMinor={pins.kubernetes_minor}" in flags


def test_cache_key_changes_with_pins_and_go_version_only(tools: Path) -> None:
    key = toolchain.cache_key(tools, "go1.26.8")
    assert toolchain.cache_key(tools, "go1.26.8") == key
    assert toolchain.cache_key(tools, "go1.27.0") != key
    (tools / "etcd" / "README.txt").write_text("not an input of the build")
    assert toolchain.cache_key(tools, "go1.26.8") == key
    with (tools / "kwok" / "go.sum").open("a") as go_sum:
        go_sum.write("example.com/x v1.0.0 h1:AAAA=\n")
    assert toolchain.cache_key(tools, "go1.26.8") != key


@pytest.mark.parametrize(
    ("text", "expected"),
    [("go1.26.8", (1, 26, 8)), ("go1.27", (1, 27, 0)), ("go1.26rc1", (1, 26, 0)), ("devel", None)],
)
def test_parse_go_version(text: str, expected: tuple[int, int, int] | None) -> None:
    assert toolchain.parse_go_version(text) == expected


def test_missing_go_says_what_to_install(
    tools: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UNDERTOW_GO", raising=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    with pytest.raises(LocalClusterError, match=r"`go` is not on PATH.*https://go\.dev/dl/"):
        toolchain.find_go(toolchain.read_pins(tools), path_env=str(empty))


def test_ensure_binaries_fails_before_building_without_go(
    tools: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UNDERTOW_GO", raising=False)
    monkeypatch.setenv("UNDERTOW_TOOLS_DIR", str(tools))
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-dir"))
    with pytest.raises(LocalClusterError, match="needs the Go toolchain"):
        build.ensure_binaries(lambda _m: None, root=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_too_old_go_is_refused(tools: Path, tmp_path: Path) -> None:
    old_go = tmp_path / "go"
    old_go.write_text("#!/bin/sh\necho go1.21.0\n")
    old_go.chmod(0o755)
    with pytest.raises(LocalClusterError, match=r"go1\.21\.0, but the tool modules need go1\."):
        toolchain.find_go(toolchain.read_pins(tools), path_env=str(tmp_path))


def test_tools_dir_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNDERTOW_TOOLS_DIR", str(tmp_path))
    with pytest.raises(LocalClusterError, match="source checkout"):
        toolchain.tools_dir()


@pytest.mark.skipif(shutil.which("go") is None, reason="needs Go")
def test_a_failed_build_shows_its_output_and_caches_nothing(
    tools: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNDERTOW_TOOLS_DIR", str(tools))
    go_mod = tools / "k8s" / "go.mod"
    go_mod.write_text(go_mod.read_text() + "\nthis is not a go.mod directive\n")
    cache = tmp_path / "cache"
    with pytest.raises(LocalClusterError) as failed:
        build.ensure_binaries(lambda _m: None, root=cache)
    message = str(failed.value)
    assert "building kube-apiserver, kube-controller-manager, kube-scheduler" in message
    assert "unknown directive: this" in message
    log = Path(message.split("full log: ")[1].split(maxsplit=1)[0].rstrip(";"))
    assert "unknown directive" in log.read_text()
    assert [p.name for p in cache.iterdir()] == [log.name]  # no binaries dir, no leftovers
