"""docs/scenarios.md's field tables name real fields and state the models' defaults, so the
docs cannot drift from the code (the models are the one source: `scenarios explain`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from undertow.commands.scenarios import scenario_schema
from undertow.scenarios.reference import FieldDoc, field_docs

DOC = Path(__file__).parents[3] / "docs" / "scenarios.md"
HEADER = "| Field | Default | Meaning |"


def _tables() -> list[tuple[str, list[str], str]]:
    """(scenario type, field names, default cell) for every row of every field table."""
    rows: list[tuple[str, list[str], str]] = []
    section = ""
    in_table = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section, in_table = line[3:].strip(), False
        elif line.strip() == HEADER:
            in_table = True
        elif in_table and line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows.append((section, re.findall(r"`([\w-]+)`", cells[0]), cells[1].strip("`")))
        elif not line.startswith("|"):
            in_table = False
    return rows


ROWS = _tables()


def _as_doc_text(default: str) -> str:
    value = json.loads(default)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def _by_name(scenario_type: str) -> dict[str, FieldDoc]:
    return {d.name: d for d in field_docs(scenario_schema(scenario_type))}


def test_every_type_section_has_a_field_table() -> None:
    assert {section for section, _, _ in ROWS} == {
        "pod_disruption_scenarios",
        "application_outages_scenarios",
        "service_hijacking_scenarios",
        "service_disruption_scenarios",
        "node_scenarios",
        "zone_outages_scenarios",
        "container_scenarios",
        "hog_scenarios",
        "pvc_scenarios",
        "time_scenarios",
        "storage_throttle_scenarios",
        "syn_flood_scenarios",
        "http_load_scenarios",
        "network_chaos_ng_scenarios",
        "network_chaos_scenarios",
        "pod_network_scenarios",
    }


@pytest.mark.parametrize(
    ("scenario_type", "names", "default"), ROWS, ids=[f"{s}:{n[0]}" for s, n, _ in ROWS]
)
def test_a_row_names_real_fields_with_the_models_default(
    scenario_type: str, names: list[str], default: str
) -> None:
    fields = _by_name(scenario_type)
    assert names and set(names) <= set(fields), f"{names} not all fields of {scenario_type}"
    first = fields[names[0]]
    if default == "required":
        assert first.required
    elif not default and len(names) == 1:  # several fields and no default: nothing shared
        assert not first.required
        assert (json.loads(first.default) if first.default else None) in ("", [], {}, None)
    elif not default:
        assert not any(fields[name].required for name in names)
    else:
        assert _as_doc_text(first.default) == default
