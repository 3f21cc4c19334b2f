"""`undertow scenarios list|schema`: what this install can run, and each file format."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from undertow.errors import ConfigError, ConfigIssue, ScenarioError
from undertow.scenarios.registry import Registry, build_registry


@dataclass(frozen=True)
class ScenarioInfo:
    scenario_type: str
    summary: str
    origin: str
    target: str
    problem: str = ""


def list_scenarios(registry: Registry | None = None) -> list[ScenarioInfo]:
    """Every registered type; a plugin that fails to load is listed with its problem."""
    registry = registry or build_registry()
    infos = []
    for scenario_type in registry.types():
        source = registry.source(scenario_type)
        try:
            summary, problem = registry.get(scenario_type).summary, ""
        except ScenarioError as exc:
            summary, problem = "", str(exc)
        infos.append(ScenarioInfo(scenario_type, summary, source.origin, source.target, problem))
    return infos


def scenario_schema(scenario_type: str, registry: Registry | None = None) -> dict[str, Any]:
    """The JSON Schema of one scenario type's file."""
    registry = registry or build_registry()
    if scenario_type not in registry:
        close = difflib.get_close_matches(scenario_type, registry.types(), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        known = ", ".join(registry.types()) or "none"
        message = f"unknown scenario type {scenario_type!r} ({hint}implemented: {known})"
        raise ConfigError([ConfigIssue("command line", "TYPE", message)])
    schema: dict[str, Any] = registry.get(scenario_type).spec_model.model_json_schema()
    schema.setdefault("title", scenario_type)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
