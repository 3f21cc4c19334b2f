"""Scenario spec models: Krkn's own files validate; bad input names the field."""

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from undertow.scenarios.application_outage import ApplicationOutageSpec
from undertow.scenarios.containers import ContainerScenariosSpec
from undertow.scenarios.hogs import HogSpec
from undertow.scenarios.http_load import HttpLoadSpec
from undertow.scenarios.network.legacy_spec import NetworkChaosSpec, PodNetworkSpec
from undertow.scenarios.network.spec import NetworkChaosNgSpec
from undertow.scenarios.node_actions import NodeScenariosSpec
from undertow.scenarios.pod_disruption import PodDisruptionSpec
from undertow.scenarios.pvc import PvcScenarioSpec
from undertow.scenarios.service_disruption import ServiceDisruptionSpec
from undertow.scenarios.service_hijacking import ServiceHijackingSpec
from undertow.scenarios.storage_throttle import StorageThrottleSpec
from undertow.scenarios.syn_flood import SynFloodSpec
from undertow.scenarios.time_skew import TimeScenariosSpec
from undertow.scenarios.zone_outage import ZoneOutageSpec

KRKN = Path(__file__).parents[2] / "data" / "krkn"
MODELS: dict[str, type[BaseModel]] = {
    "pod_disruption": PodDisruptionSpec,
    "application_outages": ApplicationOutageSpec,
    "service_disruption": ServiceDisruptionSpec,
    "service_hijacking": ServiceHijackingSpec,
    "node_scenarios": NodeScenariosSpec,
    "zone_outages": ZoneOutageSpec,
    "container": ContainerScenariosSpec,
    "hogs": HogSpec,
    "pvc": PvcScenarioSpec,
    "time": TimeScenariosSpec,
    "storage_throttle": StorageThrottleSpec,
    "syn_flood": SynFloodSpec,
    "http_load": HttpLoadSpec,
    "network_chaos": NetworkChaosSpec,
    "pod_network": PodNetworkSpec,
    "network_chaos_ng": NetworkChaosNgSpec,
}
KRKN_FILES = sorted(p for p in KRKN.glob("*/*") if p.suffix in (".yaml", ".yml"))
PLACEHOLDERS = {
    "<namespace-with-application>": "shop",
    "<zone>": "us-central1-a",
    # Krkn's older network files leave every value to the user.
    "<label_selector>": "app=web",
    "<interface_name>": "eth0",
    "<namespace>": "shop",
    "<egress/ingress>": "ingress",
    "<port number>": "8080",
    "<pod name>": '""',
    "<number>": "1",
    "<time_duration>": "10",
    "<time>": "50ms",
    "<fraction>": '"0.02"',
    "<rate>": "100mbit",
    "<serial/parallel>": "parallel",
}
"""What Krkn's example files leave for the user to fill in (Kubernetes would reject them)."""


def filled(text: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return text


def test_every_scenario_type_has_krkn_examples() -> None:
    assert {p.parent.name for p in KRKN_FILES} == set(MODELS)


IRREVERSIBLE = {"node_scenarios_example.yml"}
"""Krkn's examples that crash a node: undertow wants `allow_irreversible: true` first."""


@pytest.mark.parametrize("path", KRKN_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_krkn_example_files_validate(path: Path) -> None:
    data = yaml.safe_load(filled(path.read_text()))
    if path.name in IRREVERSIBLE:
        with pytest.raises(ValidationError, match="allow_irreversible"):
            MODELS[path.parent.name].model_validate(data)
        for entry in data["node_scenarios"]:
            entry["allow_irreversible"] = True
    MODELS[path.parent.name].model_validate(data)


@pytest.mark.parametrize(
    "path",
    [p for p in KRKN_FILES if filled(p.read_text()) != p.read_text()],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_krkn_placeholders_left_in_are_rejected(path: Path) -> None:
    refused = r"(invalid (namespace|label value)|cannot parse|not a network interface name:) '<"
    with pytest.raises(ValidationError, match=refused):
        MODELS[path.parent.name].model_validate(yaml.safe_load(path.read_text()))


def errors(model: type[BaseModel], data: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


def test_krkn_defaults_are_kept() -> None:
    spec = PodDisruptionSpec.model_validate(
        [
            {
                "id": "kill-pods",
                "config": {"namespace_pattern": "^default$", "label_selector": "app=a"},
            }
        ]
    )
    cfg = spec.root[0].config
    assert (cfg.kill, cfg.krkn_pod_recovery_time, cfg.timeout, cfg.duration) == (1, 120, 120, 10)
    assert cfg.execution == "serial" and cfg.force is False
    assert cfg.recovery_deadline == 120
    outage = ApplicationOutageSpec.model_validate(
        {"application_outage": {"namespace": "shop"}}
    ).application_outage
    assert (
        outage.block == ["Ingress", "Egress"]
        and outage.duration == 60
        and outage.pod_selector == {}
    )
    node = NodeScenariosSpec.model_validate(
        {"node_scenarios": [{"actions": ["node_stop_start"]}]}
    ).node_scenarios[0]
    assert node.actions == ["node_stop_start_scenario"]
    assert (node.instance_count, node.runs, node.timeout, node.duration, node.cloud_type) == (
        1,
        1,
        120,
        120,
        "generic",
    )
    sd = ServiceDisruptionSpec.model_validate({"scenarios": [{"namespace": "^x$"}]}).scenarios[0]
    assert (sd.delete_count, sd.runs, sd.sleep, sd.wait_time, sd.delete, sd.restore) == (
        1,
        1,
        10,
        30,
        "objects",
        False,
    )


def test_pod_disruption_errors_name_the_field() -> None:
    found = errors(
        PodDisruptionSpec,
        [
            {
                "id": "kill-pods",
                "config": {
                    "namespace_pattern": "(",
                    "label_selector": "a=b",
                    "kill": -1,
                    "speed": 3,
                },
            }
        ],
    )
    fields = dict(found)
    assert "invalid regular expression" in fields["0.config.namespace_pattern"]
    assert "greater than or equal to 0" in fields["0.config.kill"]
    assert "Extra inputs are not permitted" in fields["0.config.speed"]


def test_pod_disruption_needs_exactly_one_pod_filter() -> None:
    for extra in ({}, {"label_selector": "a=b", "name_pattern": "x"}):
        found = errors(
            PodDisruptionSpec, [{"id": "kill-pods", "config": {"namespace_pattern": "x", **extra}}]
        )
        assert "exactly one of label_selector and name_pattern" in found[0][1]
    found = errors(PodDisruptionSpec, [{"id": "kill-containers", "config": {}}])
    assert found[0][0] == "0.id"


def test_bad_selector_duration_and_enumerations() -> None:
    found = dict(
        errors(
            NodeScenariosSpec,
            {
                "node_scenarios": [
                    {
                        "actions": ["node_explode"],
                        "label_selector": "a in (b",
                        "duration": -5,
                        "cloud_type": "mars",
                    }
                ]
            },
        )
    )
    assert "node_scenarios.0.actions.0" in found
    assert "unbalanced" in found["node_scenarios.0.label_selector"]
    assert "greater than or equal to 0" in found["node_scenarios.0.duration"]
    assert "node_scenarios.0.cloud_type" in found


def test_strings_are_not_silently_numbers() -> None:
    found = dict(
        errors(ApplicationOutageSpec, {"application_outage": {"namespace": "a", "duration": "60"}})
    )
    assert "valid number" in found["application_outage.duration"]


def test_application_outage_exclude_label_forms() -> None:
    def excl(value: object) -> dict[str, list[str]]:
        spec = ApplicationOutageSpec.model_validate(
            {
                "application_outage": {
                    "namespace": "a",
                    "pod_selector": {"app": "x"},
                    "exclude_label": value,
                }
            }
        )
        return spec.application_outage.exclude_label

    assert excl({"tier": "db"}) == {"tier": ["db"]}
    assert excl("tier=db,env=a|b") == {"tier": ["db"], "env": ["a", "b"]}
    assert excl(["tier=db", "env=c"]) == {"tier": ["db"], "env": ["c"]}
    assert excl(None) == {}
    spec = ApplicationOutageSpec.model_validate(
        {
            "application_outage": {
                "namespace": "a",
                "pod_selector": {"app": "x"},
                "exclude_label": "env=a|b",
            }
        }
    )
    assert spec.application_outage.pod_selector_string() == "app=x,env notin (a,b)"
    bad_block = dict(
        errors(
            ApplicationOutageSpec, {"application_outage": {"namespace": "a", "block": ["Sideways"]}}
        )
    )
    assert bad_block == {"application_outage.block.0": "Input should be 'Ingress' or 'Egress'"}


def test_service_hijacking_plan_shape() -> None:
    base = {"service_name": "web", "service_namespace": "default", "service_target_port": "http"}
    found = dict(
        errors(ServiceHijackingSpec, {**base, "plan": [{"resource": "nope", "steps": {"get": []}}]})
    )
    assert "plan.0.resource" in found
    assert any(k.startswith("plan.0.steps") for k in found)
    dup = {"resource": "/", "steps": {"GET": [{"status": 200}]}}
    assert "once" in dict(errors(ServiceHijackingSpec, {**base, "plan": [dup, dup]}))["plan"]
    spec = ServiceHijackingSpec.model_validate({**base, "plan": [dup], "service_target_port": 8080})
    assert spec.plan_document() == [
        {
            "resource": "/",
            "steps": {
                "GET": [
                    {
                        "duration": None,
                        "status": 200,
                        "mime_type": "text/plain",
                        "payload": "",
                        "headers": {},
                    }
                ]
            },
        }
    ]


def test_service_disruption_namespace_xor_label() -> None:
    assert (
        "exactly one"
        in errors(
            ServiceDisruptionSpec, {"scenarios": [{"namespace": "a", "label_selector": "b=c"}]}
        )[0][1]
    )
    assert "exactly one" in errors(ServiceDisruptionSpec, {"scenarios": [{}]})[0][1]


def test_zone_outage_provider_fields() -> None:
    assert "needs zone" in errors(ZoneOutageSpec, {"zone_outage": {"cloud_type": "local"}})[0][1]
    assert (
        "subnet_id"
        in errors(ZoneOutageSpec, {"zone_outage": {"cloud_type": "aws", "vpc_id": "v"}})[0][1]
    )
    assert (
        "resource_group" in errors(ZoneOutageSpec, {"zone_outage": {"cloud_type": "Azure"}})[0][1]
    )
    ok = ZoneOutageSpec.model_validate(
        {"zone_outage": {"cloud_type": "LOCAL", "zone": "zone-a", "duration": 5}}
    )
    assert ok.zone_outage.cloud_type == "local"


def test_node_taints_parse_from_strings() -> None:
    spec = NodeScenariosSpec.model_validate(
        {
            "node_scenarios": [
                {
                    "actions": ["node_taint_scenario"],
                    "taints": ["chaos=yes:NoExecute", "maint:NoSchedule"],
                }
            ]
        }
    )
    taints = spec.node_scenarios[0].taints
    assert [(t.key, t.value, t.effect) for t in taints] == [
        ("chaos", "yes", "NoExecute"),
        ("maint", "", "NoSchedule"),
    ]
    assert (
        "taints"
        in errors(NodeScenariosSpec, {"node_scenarios": [{"actions": ["node_taint"]}]})[0][1]
    )
    assert (
        "Effect"
        in errors(
            NodeScenariosSpec, {"node_scenarios": [{"actions": ["node_taint"], "taints": ["x"]}]}
        )[0][1]
    )
