"""scripts/reliability_report.py: the crash matrix's JUnit XML becomes docs/reliability.md's
table, a failed case shows as not restored, and the committed page lists every failpoint."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from undertow import failpoints

ROOT = Path(__file__).parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "reliability_report", ROOT / "scripts" / "reliability_report.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def _junit(tmp_path: Path) -> Path:
    test = "test_sigkill_at_failpoint_then_rollback_execute_restores"
    path = tmp_path / "matrix.xml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        'time="12.5" timestamp="2026-01-02T03:04:05.0+00:00">'
        f'<testcase name="{test}[journal.after_publish-create]" />'
        f'<testcase name="{test}[journal.after_publish-label]"><failure message="x"/></testcase>'
        f'<testcase name="{test}[executor.after_undo-delete_restore]"><skipped/></testcase>'
        '<testcase name="test_something_else" />'
        "</testsuite></testsuites>"
    )
    return path


def test_each_case_lands_in_its_cell_and_the_totals_count_them(tmp_path: Path) -> None:
    script = _script()
    page = script.render(script.read_junit(_junit(tmp_path)))
    assert "| `journal.after_publish` | yes | **no** | not run | not run |" in page
    assert "| `executor.after_undo` | not run | not run | skipped | not run |" in page
    assert "**1 of 3 cases restored**, 1 not restored, 1 skipped, 21 not run." in page
    assert "Run of 2026-01-02 03:04 UTC: 3 cases; the test session took 12 s" in page


def test_the_committed_page_has_a_row_for_every_failpoint() -> None:
    page = (ROOT / "docs" / "reliability.md").read_text()
    for name in failpoints.names():
        assert f"| `{name}` |" in page, f"regenerate docs/reliability.md: {name} is missing"


def _prop(value: dict[str, object]) -> str:
    text = json.dumps(value).replace('"', "&quot;")
    return f'<property name="reliability" value="{text}" />'


def test_the_recorded_sections_become_tables_and_missing_ones_say_so(tmp_path: Path) -> None:
    script = _script()
    path = tmp_path / "faults.xml"
    fault = {
        "section": "api_faults",
        "scenario": "pod_kill",
        "rate": 0.2,
        "requests": 90,
        "faults": 17,
        "run_exit": 0,
        "pending_after_run": 0,
        "pending_after_proxied_rollback": 0,
    }
    audit = {
        "section": "bad_input",
        "tried": 75,
        "exit_2_naming_file_and_field": 75,
        "mutations": 0,
    }
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        'time="3" timestamp="2026-01-02T03:04:05.0+00:00">'
        f"<properties>{_prop(fault)}{_prop(audit)}</properties>"
        "</testsuite></testsuites>"
    )
    page = script.render(
        script.merge([script.read_junit(_junit(tmp_path)), script.read_junit(path)])
    )
    assert "| `pod_kill` | 20% of all requests | all kinds | 17 of 90 | 0 | 0 | 0 | yes |" in page
    assert "| the corpus and bad kubeconfigs | 75 | 75 | 0 |" in page
    not_run = "Not run in the runs this page was made from."
    assert page.count(not_run) == 5  # types, secrets, concurrency, both RBAC tables
    assert "**1 of 3 cases restored**" in page


def test_each_type_cell_lands_in_its_row_and_types_without_cells_say_why(
    tmp_path: Path,
) -> None:
    script = _script()
    kwok = "test_type_killed_at_failpoint_then_rollback_execute_restores"
    real = "test_real_type_killed_at_failpoint_then_rollback_execute_restores"
    why = {"section": "crash_types_not_in_matrix", "time_scenarios": "refused before any change"}
    path = tmp_path / "types.xml"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        'time="3" timestamp="2026-01-02T03:04:05.0+00:00">'
        f"<properties>{_prop(why)}</properties>"
        f'<testcase name="{kwok}[hog_scenarios-journal.before_write]" />'
        f'<testcase name="{kwok}[hog_scenarios-executor.after_undo]"><failure message="x"/>'
        "</testcase>"
        f'<testcase name="{real}[pvc_scenarios-journal.before_write]">'
        '<skipped message="no real node"/></testcase>'
        "</testsuite></testsuites>"
    )
    page = script.render(script.read_junit(path))
    rest = " | ".join(["not run"] * (len(failpoints.names()) - 2))
    assert f"| `hog_scenarios` | kwok | yes | {rest} | **NOT RESTORED** |" in page
    skipped = " | ".join(["not run"] * (len(failpoints.names()) - 1))
    assert f"| `pvc_scenarios` | real node | skipped (no real node) | {skipped} |" in page
    assert "**1 of 3 cells restored**, 1 not restored, 1 skipped." in page
    assert "- `time_scenarios`: refused before any change" in page
