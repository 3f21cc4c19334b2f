"""The scenario registry: scenario type → plugin, loaded lazily.

Built-ins come from `undertow.scenarios.builtin`; third-party plugins from the
`undertow.scenarios` entry-point group (the entry-point name is the scenario type, its value
`module:attribute`). A built-in type cannot be replaced by an entry point: the clash is
recorded in `Registry.shadowed` and shown by `undertow scenarios list`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from undertow.errors import ScenarioError
from undertow.scenarios.base import ScenarioPlugin

ENTRY_POINT_GROUP = "undertow.scenarios"


@dataclass(frozen=True)
class PluginSource:
    """Where a scenario type comes from: `module:attribute` and who provides it."""

    scenario_type: str
    target: str
    origin: str


class Registry:
    """An explicit registry instance; nothing global, so tests build their own."""

    def __init__(self) -> None:
        self._sources: dict[str, PluginSource] = {}
        self._loaded: dict[str, ScenarioPlugin[Any]] = {}
        self.shadowed: list[PluginSource] = []

    def add(self, scenario_type: str, target: str, *, origin: str = "builtin") -> None:
        """Register `module:attribute` for a type; the first registration of a type wins."""
        source = PluginSource(scenario_type, target, origin)
        if scenario_type in self._sources:
            self.shadowed.append(source)
            return
        self._sources[scenario_type] = source

    def add_plugin(self, plugin: ScenarioPlugin[Any], *, origin: str = "in-process") -> None:
        """Register an already-built plugin object (tests, embedding)."""
        source = PluginSource(plugin.scenario_type, f"<{type(plugin).__name__} object>", origin)
        if source.scenario_type in self._sources:
            self.shadowed.append(source)
            return
        self._sources[source.scenario_type] = source
        self._loaded[source.scenario_type] = plugin

    def __contains__(self, scenario_type: object) -> bool:
        return scenario_type in self._sources

    def types(self) -> list[str]:
        return sorted(self._sources)

    def source(self, scenario_type: str) -> PluginSource:
        return self._sources[scenario_type]

    def get(self, scenario_type: str) -> ScenarioPlugin[Any]:
        """The plugin for a type, imported on first use and checked against the contract."""
        plugin = self._loaded.get(scenario_type)
        if plugin is None:
            source = self._sources.get(scenario_type)
            if source is None:
                raise ScenarioError(f"no scenario plugin for type {scenario_type!r}")
            plugin = _load(source)
            self._loaded[scenario_type] = plugin
        return plugin


def _load(source: PluginSource) -> ScenarioPlugin[Any]:
    where = f"{source.target} ({source.origin})"
    module_name, _, attribute = source.target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attribute.split(".") if attribute else ():
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ScenarioError(
            f"scenario type {source.scenario_type!r}: cannot load plugin {where}: {exc}"
        ) from exc
    if isinstance(obj, type):
        try:
            obj = obj()
        except Exception as exc:
            raise ScenarioError(
                f"scenario type {source.scenario_type!r}: cannot create plugin {where}: {exc}"
            ) from exc
    problem = _contract_problem(obj, source.scenario_type)
    if problem:
        raise ScenarioError(f"scenario type {source.scenario_type!r}: plugin {where} {problem}")
    plugin: ScenarioPlugin[Any] = obj
    return plugin


def _contract_problem(obj: Any, scenario_type: str) -> str:
    """Why `obj` is not a usable plugin for `scenario_type`, or "" if it is."""
    declared = getattr(obj, "scenario_type", None)
    if declared != scenario_type:
        return f"declares scenario_type {declared!r}, expected {scenario_type!r}"
    model = getattr(obj, "spec_model", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return "has no spec_model (a pydantic model class)"
    for method in ("plan", "run"):
        if not callable(getattr(obj, method, None)):
            return f"has no {method}() method"
    return ""


def build_registry(
    builtins: Mapping[str, str] | None = None,
    *,
    entry_points: bool = True,
    extra: Iterable[tuple[str, str, str]] = (),
) -> Registry:
    """Built-ins first, then installed entry points, then `extra` (type, target, origin)."""
    if builtins is None:
        from undertow.scenarios.builtin import BUILTIN_SCENARIOS

        builtins = BUILTIN_SCENARIOS
    registry = Registry()
    for scenario_type, target in builtins.items():
        registry.add(scenario_type, target)
    if entry_points:
        for scenario_type, target, origin in _entry_points():
            registry.add(scenario_type, target, origin=origin)
    for scenario_type, target, origin in extra:
        registry.add(scenario_type, target, origin=origin)
    return registry


def _entry_points() -> list[tuple[str, str, str]]:
    from importlib.metadata import entry_points

    found = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        dist = point.dist.name if point.dist is not None else "unknown distribution"
        found.append((point.name, point.value, f"entry point from {dist}"))
    return sorted(found)
