"""The crash matrix: a real `undertow run` SIGKILLed at every failpoint of the journal
protocol (undertow.failpoints), for each kind of change; `undertow rollback execute` must then
put the namespace back exactly as it was before the run, with no version file left pending
and no temp file left behind (a run killed at `journal.temp_written` leaves one).

A failpoint inside the undo kills the run during its own rollback, and then kills the first
`rollback execute` too; a second `rollback execute`, unarmed, must finish the job, undoing
each pending entry exactly once (tests/integration/crash_cell.py drives each case). Each
case runs in a namespace of its own. Every scenario type meets the same failpoints in
tests/integration/scenarios/test_scenario_crash_matrix.py. docs/reliability.md is this test's table
(`python scripts/reliability_report.py`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from crash_cell import NOT_YET_JOURNALED, CrashCell
from objects import config_map, undertow_objects

from undertow import failpoints
from undertow.kube import KubeApi, mutate
from undertow.rollback.directory import ListedFile

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


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("point", failpoints.names())
def test_sigkill_at_failpoint_then_rollback_execute_restores(
    point: str, change: str, api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path
) -> None:
    mutate.create(api, config_map(TARGET, namespace, kept="before the run"))
    before = namespace_state(api, namespace)
    scenario = f"sleep:\n  duration: 0\n  configmap_namespace: {namespace}\n{CHANGES[change]}"
    cell = CrashCell(tmp_path, kubeconfig, "sleep_scenarios", scenario)

    def killed(pending: list[ListedFile]) -> None:
        assert len(pending) == (0 if point in NOT_YET_JOURNALED else 1)
        assert (namespace_state(api, namespace) != before) == (point in CHANGE_IN_PLACE)

    cell.kill_then_restore(point, killed)
    assert _wait_equal(lambda: namespace_state(api, namespace), before) == before
