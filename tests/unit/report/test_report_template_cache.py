"""The HTML report's compiled templates are kept in a private cache between runs; a cache
that is not private, or not usable, only costs the compile."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_fixtures import pod_run

from undertow.report.html import render_html
from undertow.report.template_cache import bytecode_cache, cache_directory


def test_the_cache_lives_in_undertows_cache_directory(tmp_path: Path) -> None:
    home = Path.home()
    assert cache_directory({}) == home / ".cache" / "undertow" / "templates"
    assert cache_directory({"XDG_CACHE_HOME": "/x"}) == Path("/x/undertow/templates")
    assert cache_directory({"UNDERTOW_CACHE_DIR": "/y", "XDG_CACHE_HOME": "/x"}) == Path(
        "/y/templates"
    )


def test_a_cached_template_renders_the_same_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = pod_run()
    monkeypatch.setenv("UNDERTOW_CACHE_DIR", str(tmp_path / "none"))
    (tmp_path / "none").write_text("a file where the directory would be")
    uncached = render_html(events)
    monkeypatch.setenv("UNDERTOW_CACHE_DIR", str(tmp_path / "cache"))
    first = render_html(events)
    kept = sorted((tmp_path / "cache" / "templates").iterdir())
    assert kept and (tmp_path / "cache" / "templates").stat().st_mode & 0o777 == 0o700
    assert render_html(events) == first == uncached
    assert sorted((tmp_path / "cache" / "templates").iterdir()) == kept


def test_a_directory_others_can_write_to_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert bytecode_cache(shared) is None
    shared.chmod(0o700)
    assert bytecode_cache(shared) is not None


def test_a_broken_cache_file_is_compiled_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNDERTOW_CACHE_DIR", str(tmp_path))
    events = pod_run()
    page = render_html(events)
    for kept in (tmp_path / "templates").iterdir():
        kept.write_bytes(b"not a compiled template")
    assert render_html(events) == page
