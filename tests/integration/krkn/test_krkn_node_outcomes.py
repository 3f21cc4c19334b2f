"""Node scenarios on kwok nodes (the `local` provider), as a Krkn pipeline runs them.

The tests act on a kwok node of their own (tainted, so no other test's pod lands on it),
never on the cluster's nodes. Krkn's verdicts come from `krkn/scenario_plugins/node_actions/
node_actions_scenario_plugin.py` (`run`, `inject_node_scenario`) and `common_node_functions.py`
(`get_node`, `get_node_by_name`); any exception in an entry → "Node Actions exiting due to
Exception …", return 1, and `run_kraken.py` exits 1.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from krkn_pipeline import Pipeline, wait_for
from kwok_nodes import tainted_node

NODES = "node_scenarios"
GROUP_LABEL = "undertow.io/test-nodes"
NOT_READY_LABEL = "node-not-ready.stage.kwok.x-k8s.io"


@pytest.fixture
def pipeline(tmp_path: Path, kubeconfig: str) -> Pipeline:
    return Pipeline(tmp_path, kubeconfig)


def node_is_back(api_client: Any, name: str) -> bool:
    from kubernetes import client

    node = client.CoreV1Api(api_client).read_node(name)
    ready = any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])
    kept_out = {t.key for t in node.spec.taints or []} & {
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/unschedulable",
    }
    return ready and not kept_out and not node.spec.unschedulable


def untouched(api_client: Any, name: str) -> bool:
    """Nothing of undertow's on the node: not stopped (kwok's not-ready label), not cordoned.
    (Whether kwok reports it Ready at this instant is kwok's business on a busy machine.)"""
    from kubernetes import client

    node = client.CoreV1Api(api_client).read_node(name)
    return NOT_READY_LABEL not in (node.metadata.labels or {}) and not node.spec.unschedulable


@pytest.fixture(scope="module")
def kwok_node(api_client: Any) -> Iterator[str]:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    group = uuid.uuid4().hex[:6]
    name = f"krkn-suite-{group}"
    core.create_node(tainted_node(name, GROUP_LABEL, group, f"zone-krkn-{group}"))
    try:
        wait_for(lambda: node_is_back(api_client, name))
        yield name
    finally:
        core.delete_node(name)


def entry(action: str, **fields: Any) -> dict[str, Any]:
    base = {"cloud_type": "local", "duration": 1, "timeout": 60, "poll_interval": 1}
    return {"node_scenarios": [{"actions": [action], **base, **fields}]}


def test_stop_start_and_cordon_of_a_kwok_node_pass_and_leave_it_as_it_was(
    pipeline: Pipeline, api_client: Any, kwok_node: str
) -> None:
    """Krkn: "Stopping the node N with instance ID: I", "… is in stopped state", "Starting
    the node …", "… is in running state", "node_stop_start_scenario has been successfully
    injected!": exit 0. Cordon is undertow's own action (Krkn has none)."""

    selector = f"{GROUP_LABEL}={kwok_node.removeprefix('krkn-suite-')}"
    pipeline.write(
        [
            (NODES, "stop_start.yaml", entry("node_stop_start_scenario", node_name=kwok_node)),
            (NODES, "cordon.yaml", entry("node_cordon_scenario", label_selector=selector)),
        ]
    )
    done = pipeline.run()
    assert done.code == 0, done
    instance = f"local instance {kwok_node} (node {kwok_node})"
    expected = [
        f"[INFO] nodes selected by node_name {kwok_node}: {kwok_node}",
        f"[INFO] stopped {instance}",
        f"[INFO] node {kwok_node} NotReady after",
        f"[INFO] started {instance}",
        f"[INFO] node {kwok_node} Ready again after",
        f"[INFO] {NODES} passed: [0] node_stop_start on {kwok_node}",
        f"[INFO] nodes selected by label_selector {selector}: {kwok_node}",
        f"[INFO] cordoned node {kwok_node}",
        f"[INFO] uncordoned node {kwok_node}",
        f"[INFO] {NODES} passed: [0] node_cordon on {kwok_node}",
    ]
    positions = [done.log.find(line) for line in expected]
    assert -1 not in positions and positions == sorted(positions), done.log
    assert untouched(api_client, kwok_node)
    wait_for(lambda: node_is_back(api_client, kwok_node))


def test_a_zone_outage_of_the_nodes_in_a_zone_passes_and_brings_them_back(
    pipeline: Pipeline, api_client: Any, kwok_node: str
) -> None:
    """Krkn (GCP, `krkn/scenario_plugins/zone_outage/zone_outage_scenario_plugin.py`):
    stops every node labelled with the zone, waits `duration`, starts them again: exit 0.
    undertow's `local` provider does the same to kwok nodes, with the node scenarios' stop
    and start lines."""
    zone = f"zone-krkn-{kwok_node.removeprefix('krkn-suite-')}"
    outage = {"cloud_type": "local", "zone": zone, "duration": 1, "timeout": 60}
    pipeline.write([("zone_outages_scenarios", "zone.yaml", {"zone_outage": outage})])
    done = pipeline.run()
    assert done.code == 0, done
    expected = [
        f"[INFO] zone {zone}: {kwok_node}",
        f"[INFO] stopped local instance {kwok_node} (node {kwok_node})",
        f"[INFO] node {kwok_node} NotReady after",
        f"[INFO] zone {zone} is down (1 nodes)",
        f"[INFO] started local instance {kwok_node} (node {kwok_node})",
        f"[INFO] node {kwok_node} Ready again after",
        f"[INFO] zone_outages_scenarios passed: zone {zone}: 1 node(s) out for",
    ]
    positions = [done.log.find(line) for line in expected]
    assert -1 not in positions and positions == sorted(positions), done.log
    assert untouched(api_client, kwok_node)
    wait_for(lambda: node_is_back(api_client, kwok_node))


def test_a_node_name_that_does_not_exist_is_bad_input_before_any_change(
    pipeline: Pipeline, api_client: Any, kwok_node: str
) -> None:
    """Krkn: an unknown `node_name` makes `get_node_by_name` log "Node with provided $N does
    not exist or the node might be in NotReady state." and return None, which the entry then
    iterates (TypeError): exit 1. undertow checks named nodes right after connecting, before
    anything is created: bad input, Krkn's 255, naming the file and the field."""
    target = {"node_name": "krkn-suite-no-such-node"}
    pipeline.write([(NODES, "missing.yaml", entry("node_stop_start_scenario", **target))])
    done = pipeline.run()
    assert done.code == 255, done
    assert "node_scenarios[0].node_name: no such node 'krkn-suite-no-such-node'" in done.output
    assert "nothing was changed" in done.output
    assert untouched(api_client, kwok_node)


def test_a_selector_that_matches_no_node_fails_the_run(
    pipeline: Pipeline, api_client: Any, kwok_node: str
) -> None:
    """Krkn: a selector with no Ready node makes `get_node` raise "Ready nodes with the
    provided label selector do not exist": exit 1, nothing changed."""
    target = {"label_selector": f"{GROUP_LABEL}=no-such-group"}
    message = f"no node matches label_selector '{GROUP_LABEL}=no-such-group'"
    pipeline.write([(NODES, "missing.yaml", entry("node_stop_start_scenario", **target))])
    done = pipeline.run()
    assert done.code == 1, done
    assert f"[ERROR] {NODES} error: {message}" in done.log
    assert "stopped" not in done.log
    assert untouched(api_client, kwok_node)
