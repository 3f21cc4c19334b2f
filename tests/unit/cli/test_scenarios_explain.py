"""`undertow scenarios explain`: a field reference generated from the spec models, which
agrees with `scenarios schema` and with what validation accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from undertow.commands.scenarios import explain_scenario, scenario_schema
from undertow.scenarios.node_actions.spec import NodeScenariosSpec
from undertow.scenarios.reference import field_docs
from undertow.scenarios.registry import build_registry

TYPES = build_registry().types()


@pytest.mark.parametrize("scenario_type", TYPES)
def test_every_field_of_every_registered_type_has_a_description(scenario_type: str) -> None:
    docs = field_docs(scenario_schema(scenario_type))
    assert docs
    undescribed = [d.path for d in docs if not d.description]
    assert undescribed == [], f"{scenario_type}: fields without a description: {undescribed}"


@pytest.mark.parametrize("scenario_type", TYPES)
def test_explain_type_prints_every_field(scenario_type: str, cli: Callable[..., Any]) -> None:
    shown = cli("scenarios", "explain", scenario_type)
    assert shown.code == 0, shown.err
    printed = {line.split()[0] for line in shown.out.splitlines() if "  <" in line}
    assert printed == {d.path for d in field_docs(scenario_schema(scenario_type))}


def test_a_field_shows_type_default_unit_allowed_values_and_krkn_names(
    cli: Callable[..., Any],
) -> None:
    out = cli("scenarios", "explain", "node_scenarios", "node_scenarios.duration").out
    assert "FIELD:   node_scenarios.duration  <number>" in out
    assert "default: 120" in out and "unit: seconds" in out
    runs = cli("scenarios", "explain", "node_scenarios", "node_scenarios.runs").out
    assert "Krkn's files may also say: instance_kill_count" in runs
    restore = cli("scenarios", "explain", "service_disruption_scenarios", "scenarios.restore").out
    assert "added by undertow" in restore
    pods = cli("scenarios", "explain", "pod_disruption_scenarios", "config").out
    assert "config  <KillPodsConfig>  required" in pods
    assert "config.execution  <string>" in pods and "allowed: serial, parallel" in pods


def test_a_field_through_lists_and_maps() -> None:
    steps = explain_scenario("service_hijacking_scenarios", "plan.steps")
    assert steps.field is not None and steps.field.type == "map of string to list of HijackStep"
    assert [d.path for d in steps.fields][:2] == ["plan.steps.duration", "plan.steps.status"]
    assert steps.fields[0].unit == "seconds"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("nodes",), "unknown scenario type 'nodes'"),
        (("node_scenarios", "node_scenarios.taint"), "did you mean 'node_scenarios.taints'?"),
        (
            ("node_scenarios", "node_scenarios.taints.colour"),
            "fields under 'node_scenarios.taints'",
        ),
        (("node_scenarios", "nodes"), "fields at the top: node_scenarios"),
    ],
)
def test_unknown_type_or_field_is_bad_input_naming_the_choices(
    args: tuple[str, ...], expected: str, cli: Callable[..., Any]
) -> None:
    shown = cli("scenarios", "explain", *args)
    assert shown.code == 2 and shown.out == ""
    assert expected in shown.err


def _action_enum() -> list[str]:
    schema = scenario_schema("node_scenarios")
    items: list[str] = schema["$defs"]["NodeScenario"]["properties"]["actions"]["items"]["enum"]
    return items


def test_schema_lists_exactly_the_action_spellings_validation_accepts() -> None:
    enum = _action_enum()
    assert "node_cordon" in enum and "node_cordon_scenario" in enum
    for action in enum:  # every spelling in the schema validates ...
        NodeScenariosSpec.model_validate(
            {
                "node_scenarios": [
                    {"actions": [action], "taints": ["k:NoSchedule"], "allow_irreversible": True}
                ]
            }
        )
    with pytest.raises(ValidationError):  # ... and one outside it does not
        NodeScenariosSpec.model_validate({"node_scenarios": [{"actions": ["node_cordn"]}]})


def test_schema_accepts_the_shapes_validation_accepts() -> None:
    node = scenario_schema("node_scenarios")["$defs"]["NodeScenario"]["properties"]
    # taints as `key[=value]:Effect` strings, optional text left empty (null) as in Krkn files
    assert {"type": "string"} in node["taints"]["items"]["anyOf"]
    assert {"type": "null"} in node["node_name"]["anyOf"]
    NodeScenariosSpec.model_validate(
        {
            "node_scenarios": [
                {"actions": ["node_taint"], "taints": ["a=b:NoExecute"], "node_name": None}
            ]
        }
    )
