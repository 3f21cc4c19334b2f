"""A node name that does not exist is bad input found at run start (validate has no
cluster): exit 2 naming file, line and field, before anything is created in the cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FILES = {
    "hog_scenarios": "hog-type: cpu\nduration: 1\nnode-name: no-such-node-x\n",
    "node_scenarios": (
        "node_scenarios:\n  - actions: [node_cordon_scenario]\n    node_name: no-such-node-x\n"
    ),
    "time_scenarios": (
        "time_scenarios:\n  - action: skew_time\n    object_type: node\n"
        "    object_name: [no-such-node-x]\n"
    ),
}
WHERE = {
    "hog_scenarios": "s.yaml:3 at node-name",
    "node_scenarios": "s.yaml:3 at node_scenarios[0].node_name",
    "time_scenarios": "s.yaml:4 at time_scenarios[0].object_name[0]",
}


@pytest.mark.parametrize("scenario_type", sorted(FILES))
def test_an_unknown_node_name_is_bad_input_at_run_start(
    scenario_type: str, kubeconfig: str, tmp_path: Path
) -> None:
    (tmp_path / "s.yaml").write_text(FILES[scenario_type])
    (tmp_path / "config.yaml").write_text(
        f"kraken:\n  chaos_scenarios:\n    - {scenario_type}: [s.yaml]\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "undertow", "run", "-c", "config.yaml", "--kubeconfig", kubeconfig],
        cwd=tmp_path,
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    expected = (
        f"{WHERE[scenario_type]}: no such node 'no-such-node-x' in the cluster; nothing was changed"
    )
    assert expected in done.stderr, done.stderr
    assert not list((tmp_path / "state").rglob("*.py"))  # no version file: nothing changed
