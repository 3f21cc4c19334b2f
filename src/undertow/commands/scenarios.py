"""`undertow scenarios list|schema|explain`: what this install can run, and each file format."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from undertow.errors import ConfigError, ConfigIssue, ScenarioError
from undertow.scenarios.base import ScenarioPlugin
from undertow.scenarios.reference import FieldDoc, children, field_docs
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
    plugin = _plugin(scenario_type, registry or build_registry())
    schema: dict[str, Any] = plugin.spec_model.model_json_schema()
    schema.setdefault("title", scenario_type)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


@dataclass(frozen=True)
class Explanation:
    """A scenario type's fields (all of them, or one field and what is under it)."""

    scenario_type: str
    summary: str
    about: str
    """The file's shape (the spec model's docstring), or the chosen field's description."""
    fields: list[FieldDoc]
    field: FieldDoc | None = None


def explain_scenario(
    scenario_type: str, field_path: str = "", registry: Registry | None = None
) -> Explanation:
    """The field reference of a scenario type, read from the same schema `scenario_schema`
    prints; `field_path` (dotted, lists and maps transparent) narrows it to one field."""
    registry = registry or build_registry()
    plugin = _plugin(scenario_type, registry)
    schema = scenario_schema(scenario_type, registry)
    docs = field_docs(schema)
    about = " ".join(str(schema.get("description", "")).split())
    if not field_path:
        return Explanation(scenario_type, plugin.summary, about, docs)
    chosen = next((d for d in docs if d.path == field_path), None)
    if chosen is None:
        raise ConfigError([ConfigIssue("command line", "FIELD.PATH", _unknown(docs, field_path))])
    under = [d for d in docs if d.path.startswith(f"{field_path}.")]
    return Explanation(scenario_type, plugin.summary, chosen.description, under, chosen)


def _unknown(docs: list[FieldDoc], field_path: str) -> str:
    """Name the valid choices at the deepest level of the path that exists."""
    parent = field_path.rpartition(".")[0]
    while parent and not any(d.path == parent for d in docs):
        parent = parent.rpartition(".")[0]
    choices = [d.path for d in children(docs, parent)]
    close = difflib.get_close_matches(field_path, [d.path for d in docs], n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    where = f"under {parent!r}" if parent else "at the top"
    listed = ", ".join(choices) if choices else f"none: {parent!r} has no fields"
    return f"unknown field {field_path!r} ({hint}fields {where}: {listed})"


def _plugin(scenario_type: str, registry: Registry) -> ScenarioPlugin[Any]:
    if scenario_type not in registry:
        close = difflib.get_close_matches(scenario_type, registry.types(), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        known = ", ".join(registry.types()) or "none"
        message = f"unknown scenario type {scenario_type!r} ({hint}implemented: {known})"
        raise ConfigError([ConfigIssue("command line", "TYPE", message)])
    return registry.get(scenario_type)
