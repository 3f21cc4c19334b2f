"""syn_flood_scenarios' and http_load_scenarios' targets on the local control plane: the plan
names each Service's cluster IP and the command; a missing or headless Service fails before
anything is created; a Service named in a URL becomes the pods' /etc/hosts entry. (What the
load does to a target is proven on the real node: tests/integration/realnode/test_real_load.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from scenario_harness import ScenarioHarness, cluster_state
from scenario_workloads import apply, service

from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.http_load import HttpLoadSpec
from undertow.scenarios.http_load.hosts import host_aliases
from undertow.scenarios.syn_flood import plugin as syn_flood

pytestmark = pytest.mark.timeout(120)


def flood(namespace: str, **fields: Any) -> dict[str, Any]:
    return {"namespace": namespace, "target-port": 80, "duration": 5, **fields}


def cluster_ip(api: KubeApi, namespace: str, name: str) -> str:
    return str(api.get(ObjectRef("v1", "Service", name, namespace))["spec"]["clusterIP"])


def test_the_plan_names_each_service_and_the_command(
    harness: ScenarioHarness, api_client: Any, kube_api: KubeApi, namespace: str
) -> None:
    for name in ("web", "api"):
        body = service(name, {"app": name})
        body["metadata"]["labels"] = {"tier": "front"}
        apply(api_client, namespace, body)
    ips = {name: cluster_ip(kube_api, namespace, name) for name in ("api", "web")}
    [line, expiry] = harness.plan(syn_flood, flood(namespace, **{"target-service": "web"}))
    assert f"against Service web ({ips['web']}:80)" in line
    assert line.endswith(f"timeout 5 hping3 -S -q -p 80 -d 120 -w 64 --flood {ips['web']}")
    assert "activeDeadlineSeconds 35" in expiry
    both = harness.plan(syn_flood, flood(namespace, **{"target-service-label": "tier=front"}))
    assert [ips[n] in line for line, n in zip(both, ("api", "web"), strict=False)] == [True, True]


def test_a_missing_or_headless_service_fails_before_anything_is_created(
    harness: ScenarioHarness, api_client: Any, kube_api: KubeApi, namespace: str
) -> None:
    headless = service("db", {"app": "db"})
    headless["spec"]["clusterIP"] = "None"
    apply(api_client, namespace, headless)
    before = cluster_state(kube_api, [namespace])
    missing = harness.plan(syn_flood, flood(namespace, **{"target-service": "nope"}))
    assert missing == [f"would fail: target-service: no Service nope in {namespace}"]
    for target in ({"target-service": "db"}, {"target-service-label": "app=none"}):
        outcome = harness.run(syn_flood, flood(namespace, **target))
        assert isinstance(outcome.error, ScenarioError), outcome
        assert outcome.pending_files() == []
    assert cluster_state(kube_api, [namespace]) == before


def test_a_service_named_in_a_url_resolves_to_its_cluster_ip(
    api_client: Any, kube_api: KubeApi, namespace: str
) -> None:
    apply(api_client, namespace, service("web", {"app": "web"}))
    urls = [
        f"http://web.{namespace}.svc/a",
        f"http://web.{namespace}.svc.cluster.local:80/b",
        f"http://gone.{namespace}.svc/",
        "http://198.51.100.7/",
    ]
    spec = HttpLoadSpec.model_validate(
        [
            {
                "http_load_scenario": {
                    "targets": {"endpoints": [{"url": u, "method": "GET"} for u in urls]}
                }
            }
        ]
    )
    aliases = host_aliases(kube_api, spec.root[0].http_load_scenario.targets.endpoints)
    assert aliases == [
        {
            "ip": cluster_ip(kube_api, namespace, "web"),
            "hostnames": [f"web.{namespace}.svc", f"web.{namespace}.svc.cluster.local"],
        }
    ]
