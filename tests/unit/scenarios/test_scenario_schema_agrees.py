"""`undertow scenarios schema` accepts what validation accepts: every example file and every
Krkn file that validates is also valid under the type's JSON Schema (Draft 2020-12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import ValidationError
from test_network_legacy import krkn_file

from undertow.commands.scenarios import scenario_schema
from undertow.scenarios.registry import build_registry

DATA = Path(__file__).parents[2] / "data" / "krkn"
EXAMPLES = Path(__file__).parents[3] / "examples"
KRKN_DIRS = {
    "application_outages": "application_outages_scenarios",
    "node_scenarios": "node_scenarios",
    "pod_disruption": "pod_disruption_scenarios",
    "service_disruption": "service_disruption_scenarios",
    "service_hijacking": "service_hijacking_scenarios",
    "zone_outages": "zone_outages_scenarios",
}


def _files() -> list[tuple[str, Path]]:
    demo = yaml.safe_load((EXAMPLES / "demo.yaml").read_text(encoding="utf-8"))
    found = [
        (scenario_type, EXAMPLES / name)
        for entry in demo["scenarios"]
        for scenario_type, names in entry.items()
        for name in names
    ]
    for folder, scenario_type in KRKN_DIRS.items():
        found += [(scenario_type, path) for path in sorted((DATA / folder).iterdir())]
    return found


# Krkn's samples that leave a placeholder for the user to fill in: refused as they are.
# And Krkn's node sample crashes a node without `allow_irreversible: true`: refused too.
PLACEHOLDERS = {"app_outage.yaml", "zone_outage_gcp.yaml", "node_scenarios_example.yml"}
ALL_FILES = _files()
FILES = [(t, p) for t, p in ALL_FILES if p.name not in PLACEHOLDERS]
REFUSED = [(t, p) for t, p in ALL_FILES if p.name in PLACEHOLDERS]
VARIANTS: list[tuple[str, Any]] = [
    ("node_scenarios", {"node_scenarios": [{"actions": ["node_cordon"], "node_name": None}]}),
    (
        "node_scenarios",
        {"node_scenarios": [{"actions": ["node_taint"], "taints": ["k=v:NoExecute"]}]},
    ),
    (
        "application_outages_scenarios",
        {"application_outage": {"namespace": "a", "exclude_label": "k=v,k2=a|b"}},
    ),
    (
        "application_outages_scenarios",
        {"application_outage": {"namespace": "a", "exclude_label": ["k=v"]}},
    ),
    (
        "application_outages_scenarios",
        {"application_outage": {"namespace": "a", "exclude_label": {"k": ["a", "b"]}}},
    ),
    ("network_chaos_scenarios", krkn_file("network_chaos/network_chaos.yaml")),
    ("network_chaos_scenarios", yaml.safe_load((EXAMPLES / "network_chaos.yaml").read_text())),
    (
        "network_chaos_scenarios",
        {"network_chaos": {"interfaces": None, "egress": {"loss": "0.5%", "latency": 10}}},
    ),
    ("pod_network_scenarios", krkn_file("pod_network/pod_network_outage.yml")),
    ("pod_network_scenarios", krkn_file("pod_network/pod_ingress_shaping.yml")),
    ("pod_network_scenarios", yaml.safe_load((EXAMPLES / "pod_network.yaml").read_text())),
]


def _agree(scenario_type: str, data: Any) -> None:
    build_registry().get(scenario_type).spec_model.model_validate(data)
    jsonschema.Draft202012Validator(scenario_schema(scenario_type)).validate(data)


@pytest.mark.parametrize(
    ("scenario_type", "path"), FILES, ids=[f"{p.parent.name}/{p.name}" for _, p in FILES]
)
def test_a_file_that_validates_is_valid_under_the_schema(scenario_type: str, path: Path) -> None:
    _agree(scenario_type, yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("scenario_type", "data"), VARIANTS)
def test_accepted_spellings_are_valid_under_the_schema(scenario_type: str, data: Any) -> None:
    _agree(scenario_type, data)


@pytest.mark.parametrize(
    ("scenario_type", "path"), REFUSED, ids=[f"{p.parent.name}/{p.name}" for _, p in REFUSED]
)
def test_a_placeholder_file_is_refused(scenario_type: str, path: Path) -> None:
    model = build_registry().get(scenario_type).spec_model
    with pytest.raises(ValidationError):
        model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
