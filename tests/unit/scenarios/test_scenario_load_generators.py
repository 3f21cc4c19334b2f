"""syn_flood_scenarios and http_load_scenarios without a cluster: the generator pods'
commands and placement, what their logs report, and bad values named by field."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from undertow.config.helper_pods import HelperPods
from undertow.scenarios.common.generators import GENERATOR_LABEL, GeneratorRun, generator_pod
from undertow.scenarios.common.helper_pod import EXPIRY_MARGIN
from undertow.scenarios.http_load import HttpLoadSpec
from undertow.scenarios.http_load.hosts import service_host
from undertow.scenarios.http_load.spec import go_seconds
from undertow.scenarios.http_load.vegeta import attack_command, parse_report, targets_json, total
from undertow.scenarios.syn_flood import SynFloodSpec
from undertow.scenarios.syn_flood.attack import hping_command, packets_sent

HELPERS = HelperPods(
    images={"quay.io/krkn-chaos/krkn-http-load": "undertow.local/tools:local"},
    node_selector={"undertow.io/real-node": "true"},
    tolerations=({"key": "undertow.io/real-node", "operator": "Exists"},),
)


def load(**config: Any) -> HttpLoadSpec:
    base = {"targets": {"endpoints": [{"url": "http://web.shop.svc/", "method": "get"}]}}
    return HttpLoadSpec.model_validate([{"http_load_scenario": {**base, **config}}])


def locations(model: Any, data: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return {".".join(map(str, e["loc"])): e["msg"] for e in info.value.errors()}


def test_hping3_floods_the_port_for_the_duration_or_paces_itself() -> None:
    spec = SynFloodSpec.model_validate({"target-service": "web", "target-port": 8080})
    assert hping_command(spec, "198.19.0.10") == [
        *("timeout", "10", "hping3", "-S", "-q", "-p", "8080", "-d", "120", "-w", "64"),
        *("--flood", "198.19.0.10"),
    ]
    paced = spec.model_copy(update={"packets_per_second": 200})
    assert hping_command(paced, "198.19.0.10")[-3:] == ["-i", "u5000", "198.19.0.10"]


def test_hping3_statistics_give_the_packets_sent() -> None:
    log = "HPING 198.19.0.10: S set\n--- statistic ---\n193 packets transmitted, 0 received\n"
    assert packets_sent(log) == 193
    assert packets_sent("timeout: can't execute 'hping3'") is None


def test_syn_flood_bad_values_name_their_field() -> None:
    assert "target-port" in locations(SynFloodSpec, {"target-service": "a", "target-port": 0})
    assert "target-port" in locations(SynFloodSpec, {"target-service": "a", "target-port": 65536})
    both = locations(
        SynFloodSpec, {"target-service": "a", "target-service-label": "app=a", "target-port": 1}
    )
    assert "exactly one of target-service and target-service-label" in str(both)
    bad_nodes = {"target-service": "a", "target-port": 1, "attacker-nodes": {"a b": [""]}}
    assert "attacker-nodes" in locations(SynFloodSpec, bad_nodes)
    assert "duration" in locations(
        SynFloodSpec, {"target-service": "a", "target-port": 1, "duration": -1}
    )


def test_http_load_bad_values_name_their_field() -> None:
    def entry(**config: Any) -> list[Any]:
        endpoint = {"url": "http://a/", "method": "GET", **config.pop("endpoint", {})}
        return [{"http_load_scenario": {"targets": {"endpoints": [endpoint]}, **config}}]

    prefix = "0.http_load_scenario"
    assert f"{prefix}.rate" in locations(HttpLoadSpec, entry(rate=-5))
    assert f"{prefix}.rate" in locations(HttpLoadSpec, entry(rate="-5/1s"))
    assert f"{prefix}.duration" in locations(HttpLoadSpec, entry(duration="soon"))
    assert f"{prefix}.duration" in locations(HttpLoadSpec, entry(duration=0))
    method = f"{prefix}.targets.endpoints.0.method"
    assert method in locations(HttpLoadSpec, entry(endpoint={"method": "FETCH"}))
    url = f"{prefix}.targets.endpoints.0.url"
    assert url in locations(HttpLoadSpec, entry(endpoint={"url": "ftp://a/"}))
    assert f"{prefix}.number-of-pods" in locations(HttpLoadSpec, entry(**{"number-of-pods": 0}))
    assert f"{prefix}.targets.endpoints" in locations(
        HttpLoadSpec, [{"http_load_scenario": {"targets": {"endpoints": []}}}]
    )


def test_durations_and_rates_as_krkn_writes_them() -> None:
    config = load(duration=30, rate=0).root[0].http_load_scenario
    assert (config.duration, config.rate, config.seconds) == ("30s", "0", 30.0)
    assert go_seconds("1m30s") == 90.0 and go_seconds("500ms") == 0.5


def test_vegeta_targets_carry_method_headers_and_body() -> None:
    config = (
        load(
            targets={
                "endpoints": [
                    {"url": "http://a/x", "method": "GET"},
                    {
                        "url": "http://a/y",
                        "method": "post",
                        "headers": {"Content-Type": "application/json"},
                        "body": '{"k":"v"}',
                    },
                ]
            }
        )
        .root[0]
        .http_load_scenario
    )
    first, second = map(json.loads, targets_json(config.targets.endpoints).splitlines())
    assert first == {"method": "GET", "url": "http://a/x"}
    assert second["method"] == "POST" and second["header"] == {"Content-Type": ["application/json"]}
    assert base64.b64decode(second["body"]) == b'{"k":"v"}'


def test_vegeta_flags_reach_it_as_arguments_not_shell_text() -> None:
    config = load(rate="20/1s", duration="5s", keepalive=False, insecure=True)
    command = attack_command(config.root[0].http_load_scenario)
    assert command[:2] == ["sh", "-c"] and command[3] == "vegeta"
    assert '"$@"' in command[2] and "20/1s" not in command[2]
    flags = command[4:]
    assert {"-rate=20/1s", "-duration=5s", "-keepalive=false", "-insecure=true"} <= set(flags)


def test_reports_add_up_weighted_by_requests() -> None:
    def report(requests: int, success: float, mean_ms: float) -> str:
        latencies = {k: mean_ms * 1e6 for k in ("mean", "50th", "95th", "99th", "max")}
        body = {
            "latencies": latencies,
            "requests": requests,
            "success": success,
            "throughput": requests / 2,
            "status_codes": {"200": int(requests * success)},
            "errors": [] if success == 1 else ["connection refused"],
        }
        return "Requests ... (text before)\n" + json.dumps(body) + "\n"

    one, two = parse_report(report(100, 1.0, 2.0)), parse_report(report(300, 0.5, 6.0))
    assert one is not None and two is not None and parse_report("no report") is None
    totals = total([one, two])
    assert totals.requests == 400 and totals.success_ratio == pytest.approx(0.625)
    assert totals.latencies_ms["mean"] == pytest.approx(5.0)
    assert totals.status_codes == {"200": 250} and totals.errors == ("connection refused",)
    assert totals.metrics()["latency_99th_ms"] == pytest.approx(5.0)


def test_generator_pods_end_by_themselves_where_the_file_or_the_cluster_puts_them() -> None:
    anywhere = generator_pod(
        name="g",
        namespace="shop",
        image="quay.io/krkn-chaos/krkn-http-load:latest",
        command=["vegeta"],
        duration=5,
        helpers=HELPERS,
        attacker_nodes={},
        kind="http-load",
        env={"X": "1"},
    )
    spec = anywhere["spec"]
    assert anywhere["metadata"]["labels"] == {GENERATOR_LABEL: "http-load"}
    assert spec["restartPolicy"] == "Never"
    assert spec["activeDeadlineSeconds"] == 5 + EXPIRY_MARGIN
    assert spec["nodeSelector"] == {"undertow.io/real-node": "true"}
    assert spec["tolerations"] == [{"key": "undertow.io/real-node", "operator": "Exists"}]
    assert spec["containers"][0]["image"] == "undertow.local/tools:local"
    assert spec["containers"][0]["env"] == [{"name": "X", "value": "1"}]
    chosen = generator_pod(
        name="g",
        namespace="shop",
        image="hping",
        command=["hping3"],
        duration=5,
        helpers=HELPERS,
        attacker_nodes={"node-role.kubernetes.io/worker": [""]},
        kind="syn-flood",
    )
    terms = chosen["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert terms["nodeSelectorTerms"] == [
        {
            "matchExpressions": [
                {"key": "node-role.kubernetes.io/worker", "operator": "In", "values": [""]}
            ]
        }
    ]
    assert "nodeSelector" not in chosen["spec"]


def test_a_failed_generator_is_shown_with_its_last_log_line() -> None:
    run = GeneratorRun(
        phases={"a": "Succeeded", "b": "Failed", "c": "Gone"},
        logs={"b": "start\ntimeout: can't execute 'hping3'\n"},
    )
    assert run.failed == ["b: Failed (timeout: can't execute 'hping3')", "c: Gone"]


def test_service_hosts_are_recognised() -> None:
    assert service_host("http://web.shop.svc/x") == ("web", "shop")
    assert service_host("https://web.shop.svc.cluster.local:8443/") == ("web", "shop")
    assert service_host("http://example.com/") is None


def test_the_examples_validate() -> None:
    examples = Path(__file__).parents[3] / "examples"
    flood = SynFloodSpec.model_validate(yaml.safe_load((examples / "syn_flood.yaml").read_text()))
    assert (flood.target_service, flood.packets_per_second) == ("web", 200)
    load = HttpLoadSpec.model_validate(yaml.safe_load((examples / "http_load.yaml").read_text()))
    endpoints = load.root[0].http_load_scenario.targets.endpoints
    assert [service_host(e.url) for e in endpoints] == [("web", "undertow-demo")] * 2
