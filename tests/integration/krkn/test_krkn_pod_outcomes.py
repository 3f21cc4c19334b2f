"""Pod disruption and application outage, as a Krkn pipeline runs them: exit code and the
log line a check would look for, where Krkn (krkn-chaos/krkn) passes or fails.

Krkn's verdicts come from `krkn/scenario_plugins/pod_disruption/pod_disruption_scenario_plugin.py`
(`killing_pods`, `get_pods`) and `run_kraken.py` (`main`: any failed scenario file →
"Post scenarios are still failing at the end of all iterations", `return 1`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from krkn_pipeline import KRKN_BAD_INPUT, Pipeline, create_app, ready_pods, wait_for

POD = "pod_disruption_scenarios"
OUTAGE = "application_outages_scenarios"


@pytest.fixture
def pipeline(tmp_path: Path, kubeconfig: str) -> Pipeline:
    return Pipeline(tmp_path, kubeconfig)


def kill_pods(namespace: str, **config: Any) -> list[dict[str, Any]]:
    base = {"namespace_pattern": f"^{namespace}$", "krkn_pod_recovery_time": 30, "timeout": 30}
    return [{"id": "kill-pods", "config": {**base, **config}}]


def test_pods_killed_by_label_and_by_name_pattern_pass(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    before = create_app(api_client, namespace, "web", 3)
    pipeline.write(
        [
            (POD, "by_label.yaml", kill_pods(namespace, label_selector="app=web", kill=1)),
            (POD, "by_name.yaml", kill_pods(namespace, name_pattern="^web-.*$", kill=2)),
        ]
    )
    done = pipeline.run()
    assert done.code == 0, done
    # Krkn: `Deleting pod <name>` per pod; undertow names the namespace too.
    deleted = re.findall(rf"\[INFO\] deleted pod {namespace}/(web-\S+)", done.log)
    assert len(deleted) == 3, done.log
    assert set(deleted[:1]) <= set(before.values())  # the first kill hit an original pod
    assert f"pods matching namespace ~ ^{namespace}$, label app=web selected" in done.log
    assert f"pods matching namespace ~ ^{namespace}$, name ~ ^web-.*$ selected" in done.log
    assert done.log.count(f"[INFO] {POD} passed: killed") == 2
    assert "[ERROR]" not in done.log
    wait_for(lambda: len(ready_pods(api_client, namespace, "app=web")) == 3)


@pytest.mark.parametrize(
    ("selector", "kill", "found"),
    [("app=nothing", 1, 0), ("app=web", 5, 2)],
    ids=["no-pod-matches", "kill-more-than-match"],
)
def test_too_few_matching_pods_fails_and_deletes_nothing(
    pipeline: Pipeline, api_client: Any, namespace: str, selector: str, kill: int, found: int
) -> None:
    """Krkn `killing_pods`: `if len(pods) < config.kill:` logs "Not enough pods match the
    criteria, expected {kill} but found only {n} pods" and returns 1 before deleting any pod;
    the scenario fails, and so does the run (exit 1)."""
    before = create_app(api_client, namespace, "web", 2)
    pipeline.write([(POD, "pods.yaml", kill_pods(namespace, label_selector=selector, kill=kill))])
    done = pipeline.run()
    assert done.code == 1, done
    message = (
        f"not enough pods match namespace ~ ^{namespace}$, label {selector}: "
        f"expected {kill}, found only {found}"
    )
    assert f"[ERROR] {message}" in done.log
    assert f"[ERROR] {POD} failed: {message}" in done.log
    assert "deleted pod" not in done.log
    assert ready_pods(api_client, namespace, "app=web") == before


def test_name_pattern_with_label_selector_is_bad_input(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    """Deliberately stricter. Krkn `get_pods`: with both set it logs "Only, one of name
    pattern or label pattern can be specified" and selects no pod, so the entry fails with
    "Not enough pods match the criteria" (exit 1) after its pod monitor has waited.
    undertow refuses the file before touching the cluster (bad input: Krkn's 255)."""
    before = create_app(api_client, namespace, "web", 2)
    pipeline.write(
        [
            (
                POD,
                "both.yaml",
                kill_pods(namespace, label_selector="app=web", name_pattern="^web-.*$"),
            )
        ]
    )
    done = pipeline.run()
    assert done.code == KRKN_BAD_INPUT, done
    assert "scenarios/both.yaml" in done.output
    assert "set exactly one of label_selector and name_pattern" in done.output
    assert not pipeline.state.exists()  # not even a journal was opened
    assert ready_pods(api_client, namespace, "app=web") == before


def test_application_outage_creates_the_deny_policy_for_its_duration_then_removes_it(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    """Krkn: "Creating the network policy", "Waiting for the specified duration in the
    config: N", "Deleting the network policy" (application_outage_scenario_plugin.py); 0."""
    from kubernetes import client

    create_app(api_client, namespace, "cart", 2)
    outage = {"namespace": namespace, "pod_selector": {"app": "cart"}, "duration": 3}
    pipeline.write([(OUTAGE, "outage.yaml", {"application_outage": outage})])
    policies = client.NetworkingV1Api(api_client)
    proc = pipeline.start("-o", str(pipeline.log))
    seen: list[Any] = []

    def policy_seen_or_run_over() -> bool:
        seen.extend(policies.list_namespaced_network_policy(namespace).items)
        return bool(seen) or proc.poll() is not None

    wait_for(policy_seen_or_run_over, timeout=60, interval=0.1)
    done = pipeline.finish(proc)
    assert done.code == 0, done
    assert seen, "no NetworkPolicy was seen while the outage ran"
    policy = seen[0]
    assert policy.spec.pod_selector.match_labels == {"app": "cart"}
    assert sorted(policy.spec.policy_types) == ["Egress", "Ingress"]  # Krkn's default block
    assert not policy.spec.ingress and not policy.spec.egress  # deny all
    assert policies.list_namespaced_network_policy(namespace).items == []
    name = f"{namespace}/{policy.metadata.name}"
    assert (
        f"[INFO] created NetworkPolicy {name} blocking Ingress+Egress of 2 pods (app=cart); "
        "waiting 3s" in done.log
    )
    assert f"[INFO] deleted NetworkPolicy {name} after" in done.log
    report = json.loads((pipeline.reports / "report.json").read_text())
    assert [s["status"] for s in report["scenarios"]] == ["passed"]
