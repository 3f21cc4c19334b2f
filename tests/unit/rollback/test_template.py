from __future__ import annotations

import ast
import enum
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from journal_data import delete_data

from undertow import errors, undo
from undertow.rollback import template

BASE: dict[str, Any] = {
    "format": undo.FORMAT,
    "run_id": "run-1",
    "scenario_type": "pod_disruption_scenarios",
    "recorded_at": "2026-01-01T00:00:00.000000Z",
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=1), snapshot=json_values)
def test_any_name_and_snapshot_round_trip_without_code_injection(name: str, snapshot: Any) -> None:
    data = {**BASE, **delete_data(name), "snapshot": snapshot}
    text = template.render(data)
    assert template.parse(text) == data
    head, _ = template.split(text)
    body = ast.parse(head).body
    assert len(body) == 2  # a docstring and UNDO, whatever quotes/newlines the name holds


def test_file_is_readable_header_then_data_then_verbatim_undo_code() -> None:
    text = template.render({**BASE, **delete_data("web")})
    head, code = template.split(text)
    assert "Run:       run-1" in head
    assert "Scenario:  pod_disruption_scenarios" in head
    assert "Undo:      delete ConfigMap default/web created by undertow" in head
    assert "Object:    v1 ConfigMap default/web" in head
    assert "UNDO = {" in head
    embedded = {_top_level_name(node) for node in ast.parse(code).body}
    for module in undo.EMBEDDED:
        source = (Path(undo.__file__).parent / f"{module}.py").read_text("utf-8")
        kept = [node for node in ast.parse(source).body if not _sibling_import(node)]
        assert {_top_level_name(node) for node in kept} <= embedded
        assert ast.get_docstring(ast.parse(source)) in code
    assert code.endswith('if __name__ == "__main__":\n    raise SystemExit(main(UNDO))\n')


def test_version_file_compiles_and_runs_its_main_standalone(tmp_path: Path) -> None:
    path = tmp_path / "x_1_abcdefgh.py"
    path.write_text(template.render({**BASE, **delete_data("web")}))
    result = subprocess.run(
        [sys.executable, "-I", str(path), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "--dry-run" in result.stdout
    assert "delete ConfigMap default/web" in result.stdout


class _Phase(enum.StrEnum):
    RUNNING = "Running"


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "snapshot",
    [
        float("inf"),
        float("nan"),
        object(),
        {1, 2},
        set(),
        _Phase.RUNNING,
        {(1, 2): "x"},
        _nested(150),
    ],
)
def test_non_literal_values_fail_closed(snapshot: object) -> None:
    with pytest.raises(errors.JournalError):
        template.render({**BASE, **delete_data("web"), "snapshot": snapshot})


def test_deeply_nested_data_within_the_limit_reads_back() -> None:
    data = {**BASE, **delete_data("web"), "snapshot": _nested(90), "pair": (1, "x")}
    assert template.parse(template.render(data)) == data


def _tampered(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("def undo(", "import os\nos.system('touch /tmp/pwned')\n\n\ndef undo("),  # code edited
        ("raise SystemExit(main(UNDO))", "raise SystemExit(0)"),  # main edited
        ("# ///\nUNDO = {", "# ///\nimport os\nUNDO = {"),  # statement added before the data
        ("'format': 1", "'format': __import__('os').getpid()"),  # code inside the literal
        (template.MARKER, "# marker removed\n"),
    ],
)
def test_edited_files_are_refused(old: str, new: str) -> None:
    text = template.render({**BASE, **delete_data("web")})
    with pytest.raises(errors.TamperedVersionFile):
        template.parse(_tampered(text, old, new))


def test_listing_reads_the_header_only() -> None:
    text = template.render({**BASE, **delete_data("web")})
    head, _ = template.split(text)
    assert template.read_header(head) == {
        "Run": "run-1",
        "Scenario": "pod_disruption_scenarios",
        "Recorded": "2026-01-01T00:00:00.000000Z",
        "Undo": "delete ConfigMap default/web created by undertow",
        "Object": "v1 ConfigMap default/web",
    }
    with pytest.raises(errors.TamperedVersionFile):
        template.read_header("UNDO = {}")


def _sibling_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and (node.module or "").startswith("undertow.undo.")


def _top_level_name(node: ast.stmt) -> str:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return ",".join(ast.unparse(t) for t in targets)
    return ast.unparse(node).splitlines()[0]


def test_the_embedded_modules_never_define_the_same_name_twice() -> None:
    """They share one namespace in a version file: a second definition would replace the
    first for every verb above it."""
    seen: dict[str, str] = {}
    for module in undo.EMBEDDED:
        source = (Path(undo.__file__).parent / f"{module}.py").read_text("utf-8")
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Assign | ast.AnnAssign):
                name = _top_level_name(node)
                assert name not in seen, f"{name} in {module} and {seen[name]}"
                seen[name] = module


def test_the_embedded_code_imports_nothing_of_undertow() -> None:
    code = template.code_part()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            assert "undertow" not in ast.unparse(node)
    assert "from __future__" not in code
