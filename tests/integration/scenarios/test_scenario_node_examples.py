"""examples/node_scenarios.yaml and examples/zone_outage.yaml, and Krkn's own node and zone
files, against the local cluster.

The examples target the cluster's own kwok nodes by zone; here their durations are cut to a
few seconds (everything else as written). Krkn's files are for clouds: they validate, their
plan says what would happen or why it cannot here, and running them changes nothing; the
kind example runs once its cloud_type and node name are pointed at the local cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML
from scenario_harness import ScenarioHarness, cluster_state
from scenario_nodes import ChaosNodes, chaos_nodes

from undertow.kube import KubeApi
from undertow.scenarios import node_actions, zone_outage

ROOT = Path(__file__).parents[3]
KRKN = ROOT / "tests" / "data" / "krkn"


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


@pytest.fixture(scope="module")
def nodes(api_client: Any, kube_api: KubeApi) -> Iterator[ChaosNodes]:
    with chaos_nodes(api_client, kube_api, count=1) as made:
        yield made


def test_the_node_example_runs_and_leaves_the_cluster_as_it_was(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str
) -> None:
    spec = load(ROOT / "examples" / "node_scenarios.yaml")
    for entry in spec["node_scenarios"]:
        entry["duration"] = 3
    before = cluster_state(kube_api, [namespace])
    plan = harness.plan(node_actions.plugin, spec)
    assert "via local" in plan[0] and "cordon for 3s" in plan[1]
    out = harness.run(node_actions.plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert {"node.down", "node.back", "node.cordoned", "node.tainted", "node.drained"} <= set(
        out.kinds()
    )
    assert out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_the_zone_example_runs_and_leaves_the_cluster_as_it_was(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str
) -> None:
    spec = load(ROOT / "examples" / "zone_outage.yaml")
    spec["zone_outage"]["duration"] = 3
    before = cluster_state(kube_api, [namespace])
    out = harness.run(zone_outage.plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert out.result.metrics["nodes"] >= 1
    assert out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


@pytest.mark.parametrize(
    "path",
    sorted((KRKN / "node_scenarios").glob("*.yml")) + sorted((KRKN / "zone_outages").glob("*")),
    ids=lambda p: p.name,
)
def test_krkn_files_validate_and_plan_without_changing_anything(
    path: Path, harness: ScenarioHarness, kube_api: KubeApi, namespace: str
) -> None:
    plugin = node_actions.plugin if path.parent.name == "node_scenarios" else zone_outage.plugin
    spec = load(path)
    if path.name == "zone_outage_gcp.yaml":  # Krkn leaves `<zone>` for the user to fill in
        spec["zone_outage"]["zone"] = "us-central1-a"
    crashing = [e for e in spec.get("node_scenarios", []) if "node_crash_scenario" in e["actions"]]
    if crashing:  # irreversible: refused as written, planned once opted in
        with pytest.raises(ValidationError, match="set allow_irreversible: true"):
            plugin.spec_model.model_validate(spec)
        for entry in crashing:
            entry["allow_irreversible"] = True
    before = cluster_state(kube_api, [namespace])
    plan = harness.plan(plugin, spec)
    assert plan
    for line in plan:
        assert "would fail: " in line or "associate" in line, line  # cloud files, no cloud here
    if path.parent.name == "node_scenarios":  # no cloud credentials: refused before any change
        out = harness.run(plugin, spec)
        assert (out.result is not None and not out.result.passed) or out.error is not None
        assert out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_krkns_kind_example_runs_with_cloud_type_local(
    harness: ScenarioHarness, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    spec = load(KRKN / "node_scenarios" / "kind_node_scenarios_example.yml")
    for entry in spec["node_scenarios"]:
        entry.update(cloud_type="local", node_name=nodes.names[0], poll_interval=1)
    spec["node_scenarios"][0]["duration"] = 2  # Krkn's default is 120 s
    before = cluster_state(kube_api, [namespace])
    out = harness.run(node_actions.plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert out.kinds().count("node.down") == 1  # stop_start; the reboot is too quick to poll
    assert "node.rebooted" in out.kinds()
    assert out.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before
