"""time_scenarios on the real node: refused before any change, saying why (the real node
runs on this machine, its clock is the machine's). Nothing is created, no version file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_real_faults import UndertowRun

from undertow.cluster import realnode


def test_a_clock_shared_with_this_machine_is_refused_before_any_change(
    core: Any, kubeconfig: str, tmp_path: Path
) -> None:
    before = {p.metadata.uid for p in core.list_pod_for_all_namespaces().items}
    body = {
        "time_scenarios": [
            {"action": "skew_date", "object_type": "node", "object_name": [realnode.NODE_NAME]}
        ]
    }
    run = UndertowRun(tmp_path, kubeconfig, "time_scenarios", body)
    assert run.proc.wait(timeout=120) == 1, run.output()
    [scenario] = json.loads((tmp_path / "reports" / "report.json").read_text())["scenarios"]
    assert scenario["error"] == (
        "cannot move the clock (nothing changed): node real-node-0 is the local cluster's "
        "real node: it runs on this machine, so its clock is the machine's (the control "
        "plane's and undertow's too)"
    )
    assert not list(tmp_path.glob("versions/*/*.py"))
    created = {p.metadata.uid for p in core.list_pod_for_all_namespaces().items} - before
    assert not [
        p
        for p in core.list_pod_for_all_namespaces(label_selector="undertow.io/fault").items
        if p.metadata.uid in created
    ]
