"""Failpoints: every one named in the code is documented (and so in the crash matrix), an
armed one kills the process by SIGKILL at its step of the journal, an unset one does nothing."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from undertow import failpoints
from undertow.rollback import naming

SRC = Path(failpoints.__file__).parent

RECORD_ONE = """
import sys
from pathlib import Path
from undertow.rollback.journal import Journal
journal = Journal.open(Path(sys.argv[1]), "run-1")
journal.record("test_scenarios", {"action": "delete_created", "description": "d",
    "target": {"api_version": "v1", "kind": "ConfigMap", "name": "c", "namespace": "n",
               "uid": None}, "labels": {}})
print("recorded")
"""


def _called_names() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "failpoint"
            ):
                [arg] = node.args
                assert isinstance(arg, ast.Constant), f"{path}: a failpoint name must be literal"
                found.add(str(arg.value))
    return found


def test_every_failpoint_in_the_code_is_documented_and_every_documented_one_is_placed() -> None:
    assert _called_names() == set(failpoints.names())


def _record(tmp_path: Path, armed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), failpoints.ENV_VAR: armed}
    return subprocess.run(
        [sys.executable, "-c", RECORD_ONE, str(tmp_path / "versions")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _files(tmp_path: Path) -> tuple[list[str], list[str]]:
    """(version files, temp files) left in the run's context."""
    [context] = (tmp_path / "versions").iterdir()
    names = [p.name for p in context.iterdir()]
    versions = [n for n in names if naming.parse_version_file(n)]
    return versions, [n for n in names if n.startswith(naming.TEMP_PREFIX)]


@pytest.mark.parametrize(
    ("armed", "versions", "temps"),
    [
        ("journal.before_write", 0, 0),
        ("journal.temp_written", 0, 1),
        ("journal.after_publish", 1, 0),
    ],
)
def test_an_armed_failpoint_kills_the_process_at_its_step(
    tmp_path: Path, armed: str, versions: int, temps: int
) -> None:
    done = _record(tmp_path, armed)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "recorded" not in done.stdout
    found_versions, found_temps = _files(tmp_path)
    assert (len(found_versions), len(found_temps)) == (versions, temps)


def test_unset_or_elsewhere_failpoints_change_nothing(tmp_path: Path) -> None:
    done = _record(tmp_path, "executor.before_undo")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "recorded"


def test_an_unknown_failpoint_is_named_on_stderr(tmp_path: Path) -> None:
    done = _record(tmp_path, "journal.typo")
    assert done.returncode == 0
    assert "UNDERTOW_FAILPOINTS names unknown failpoints journal.typo" in done.stderr
