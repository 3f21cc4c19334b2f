"""The crash matrix: a real `undertow run` SIGKILLed at every failpoint of the journal
protocol (undertow.failpoints), for each kind of change; `undertow rollback execute` must then
put the namespace back exactly as it was before the run, with no version file left pending
and no temp file left behind (a run killed at `journal.temp_written` leaves one).

A failpoint inside the undo kills the run during its own rollback, and then kills the first
`rollback execute` too; a second `rollback execute`, unarmed, must finish the job. Each case
runs in a namespace of its own. docs/reliability.md is this test's table
(`python scripts/reliability_report.py`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from objects import config_map, undertow_objects

from undertow import failpoints
from undertow.kube import KubeApi, mutate
from undertow.rollback import directory

pytestmark = pytest.mark.timeout(180)

TARGET = "target"
"""The ConfigMap that exists before the run: the one labelled, or deleted and restored."""

CHANGES = {
    "create": "  outcome: fail\n",
    "label": f"  outcome: fail\n  create_configmap: false\n  label_configmap: {TARGET}\n",
    "delete_restore": f"  outcome: fail\n  create_configmap: false\n  delete_configmap: {TARGET}\n",
    "label_cleanup": f"  outcome: pass\n  create_configmap: false\n  label_configmap: {TARGET}\n",
}
"""The test plugin's options for each change (one change per run, so each failpoint meets it):
create a ConfigMap of its own, label the existing one, delete the existing one with restore;
each fails, so the run rolls it back at once. `label_cleanup` passes: its undo is the
scenario's own clean-up (`revert`, which removes the file instead of marking it executed)."""

UNDO_FAILPOINTS = {"executor.before_undo", "executor.after_undo"}
NOT_YET_JOURNALED = {"journal.before_write", "journal.temp_written"}
"""Where the run dies before its version file is published: nothing is pending, nothing
was changed. At every later failpoint the change's version file is pending."""
CHANGE_IN_PLACE = {"client.after_api_call", "executor.before_undo"}
"""Where the run dies with its change made and not yet undone."""


def namespace_state(api: KubeApi, namespace: str) -> dict[str, Any]:
    """What the changes touch: every ConfigMap's labels and data (not the root CA one a
    controller adds on its own), and the undertow-labelled objects."""
    config_maps = {
        c["metadata"]["name"]: (c["metadata"].get("labels") or {}, c.get("data") or {})
        for c in api.list("v1", "ConfigMap", namespace)
        if c["metadata"]["name"] != "kube-root-ca.crt"
        and not c["metadata"].get("deletionTimestamp")
    }
    return {"config_maps": config_maps, "undertow_objects": undertow_objects(api, namespace)}


def _wait_equal(read: Any, expected: object, timeout: float = 20.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


class Case:
    """One cell of the matrix: its files, and the undertow commands it runs."""

    def __init__(self, tmp_path: Path, kubeconfig: str, namespace: str, change: str) -> None:
        self.tmp = tmp_path
        self.kubeconfig = kubeconfig
        self.versions = tmp_path / "versions"
        (tmp_path / "s.yaml").write_text(
            f"sleep:\n  duration: 0\n  configmap_namespace: {namespace}\n{CHANGES[change]}"
        )
        self.config = tmp_path / "config.yaml"
        self.config.write_text(
            "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
            "tunings: {wait_duration: 0}\n"
        )

    def undertow(self, *args: str, armed: str = "") -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "XDG_STATE_HOME": str(self.tmp / "state"),
            failpoints.ENV_VAR: armed,
        }
        return subprocess.run(
            [sys.executable, "-m", "undertow", *args, "--kubeconfig", self.kubeconfig],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def run(self, armed: str) -> subprocess.CompletedProcess[str]:
        return self.undertow(
            "run", "-c", str(self.config), "--versions-dir", str(self.versions), armed=armed
        )

    def rollback(self, armed: str = "") -> subprocess.CompletedProcess[str]:
        return self.undertow(
            "rollback", "execute", "--versions-dir", str(self.versions), "--yes", armed=armed
        )

    def pending(self) -> list[directory.ListedFile]:
        return [f for run in directory.list_runs(self.versions) for f in run.pending]


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("point", failpoints.names())
def test_sigkill_at_failpoint_then_rollback_execute_restores(
    point: str, change: str, api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path
) -> None:
    mutate.create(api, config_map(TARGET, namespace, kept="before the run"))
    before = namespace_state(api, namespace)
    case = Case(tmp_path, kubeconfig, namespace, change)

    died = case.run(armed=point)
    assert died.returncode == -signal.SIGKILL, died.stdout + died.stderr
    assert len(case.pending()) == (0 if point in NOT_YET_JOURNALED else 1)
    assert (namespace_state(api, namespace) != before) == (point in CHANGE_IN_PLACE)

    if point in UNDO_FAILPOINTS:
        again = case.rollback(armed=point)
        assert again.returncode == -signal.SIGKILL, again.stdout + again.stderr
        assert len(case.pending()) == 1
    done = case.rollback()
    assert done.returncode == 0, done.stdout + done.stderr

    assert _wait_equal(lambda: namespace_state(api, namespace), before) == before
    assert case.pending() == []
    assert sorted(case.versions.rglob(".tmp-*")) == []
