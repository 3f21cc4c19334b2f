"""container_scenarios on the real node when the image has no `kill`: the container's PATH
holds nothing (as in a distroless image, the exec fails with "executable file not found"),
so undertow signals its main process from a helper pod on the node; the container restarts
and no helper pod or version file is left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from real_pods import create_ready, real_pod
from test_real_faults import UndertowRun


def test_a_container_without_kill_is_signalled_from_its_node(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    pod = real_pod("bare", ["/bin/sleep", "3600"])
    pod["spec"]["containers"][0]["env"] = [{"name": "PATH", "value": "/nonexistent"}]
    create_ready(core, pod, namespace)
    scenario = {
        "scenarios": [
            {
                "name": "kill the bare",
                "namespace": namespace,
                "label_selector": "app=bare",
                "action": 9,
                "expected_recovery_time": 60,
            }
        ]
    }
    report = UndertowRun(tmp_path, kubeconfig, "container_scenarios", scenario).finish()
    status = core.read_namespaced_pod("bare", namespace).status.container_statuses[0]
    assert status.restart_count == 1 and status.ready
    assert status.last_state.terminated.exit_code == 137
    [killed] = [e for e in report["events"] if e["kind"] == "container.killed"]
    assert killed["data"]["from_node"] is True  # the exec found no `kill`
    assert "(pid 1 of container" in killed["message"]
    helpers = core.list_pod_for_all_namespaces(label_selector="undertow.io/fault=container-signal")
    assert not helpers.items
    assert not list(tmp_path.glob("versions/*/*.py"))
