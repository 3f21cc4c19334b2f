"""Namespace deletion (`service_disruption_scenarios`), as a Krkn pipeline runs it.

Krkn's verdicts come from `krkn/scenario_plugins/service_disruption/
service_disruption_scenario_plugin.py` (`run`) and `run_kraken.py` (any failed scenario file:
exit 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from krkn_pipeline import KRKN_BAD_INPUT, Pipeline, create_app, workloads

DISRUPTION = "service_disruption_scenarios"
LABEL = "undertow.io/krkn-suite"


@pytest.fixture
def pipeline(tmp_path: Path, kubeconfig: str) -> Pipeline:
    return Pipeline(tmp_path, kubeconfig)


def label_namespace(api_client: Any, namespace: str) -> str:
    from kubernetes import client

    client.CoreV1Api(api_client).patch_namespace(
        namespace, {"metadata": {"labels": {LABEL: namespace}}}
    )
    return f"{LABEL}={namespace}"


def test_namespace_chosen_by_label_loses_its_workloads_and_the_run_passes(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    """Krkn: `check_namespaces([''], label)` picks the namespace, `delete_objects` deletes its
    Services, DaemonSets, StatefulSets, ReplicaSets and Deployments ("Delete objects in
    selected namespace: NS"), and `wait_time` is never checked: exit 0. undertow passes too
    and reports the namespace that did not come back as a finding."""
    create_app(api_client, namespace, "web", 1)
    selector = label_namespace(api_client, namespace)
    entry = {"namespace": "", "label_selector": selector, "sleep": 0, "wait_time": 1}
    pipeline.write([(DISRUPTION, "by_label.yaml", {"scenarios": [entry]})])
    done = pipeline.run()
    assert done.code == 0, done
    assert workloads(api_client, namespace) == {"deployments": [], "services": []}
    assert f"[INFO] run 1: 1 of 1 namespaces selected: {namespace}" in done.log
    assert (
        f"[INFO] deleted 2 objects in namespace {namespace}: Service/web, Deployment/web"
        in done.log
    )
    assert f"finding  {DISRUPTION}: " in done.output
    # A log check that fails on ERROR lines passes, as it does with Krkn: the finding is a
    # WARNING.
    assert f"[WARNING] {namespace} not back after 1s: missing " in done.log
    assert "[ERROR]" not in done.log


def test_more_namespaces_wanted_than_match_fails_and_deletes_nothing(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    """Krkn: deletes the objects of each matching namespace, then, with none left for the
    next of `delete_count`, logs "Couldn't delete N namespaces, not enough namespaces
    matching …" and returns 1: exit 1. undertow exits 1 too, but counts first and deletes
    nothing (the migration guide lists the difference)."""
    create_app(api_client, namespace, "web", 1)
    entry = {"namespace": f"^{namespace}$", "delete_count": 2, "sleep": 0, "wait_time": 1}
    pipeline.write([(DISRUPTION, "two.yaml", {"scenarios": [entry]})])
    done = pipeline.run()
    assert done.code == 1, done
    assert (
        f"[ERROR] run 1: not enough namespaces match namespace ~ ^{namespace}$: expected 2, "
        "found only 1; nothing deleted" in done.log
    )
    assert workloads(api_client, namespace) == {"deployments": ["web"], "services": ["web"]}


def test_namespace_with_label_selector_is_bad_input(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    """Deliberately stricter. Krkn `run`: both set → "ServiceDisruptionScenarioPlugin You can
    only have namespace or label set in your namespace scenario", return 1 (exit 1, nothing
    deleted). undertow refuses the file before touching the cluster (Krkn's 255)."""
    create_app(api_client, namespace, "web", 1)
    selector = label_namespace(api_client, namespace)
    entry = {"namespace": f"^{namespace}$", "label_selector": selector, "sleep": 0}
    pipeline.write([(DISRUPTION, "both.yaml", {"scenarios": [entry]})])
    done = pipeline.run()
    assert done.code == KRKN_BAD_INPUT, done
    assert "scenarios/both.yaml" in done.output
    assert "set exactly one of namespace (a regex) and label_selector" in done.output
    assert not pipeline.state.exists()
    assert workloads(api_client, namespace) == {"deployments": ["web"], "services": ["web"]}
