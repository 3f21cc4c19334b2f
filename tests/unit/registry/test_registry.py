"""The scenario registry: lazy built-ins, entry-point plugins, contract checks."""

from __future__ import annotations

import sys

import pytest

from undertow.errors import ScenarioError
from undertow.scenarios.registry import build_registry


def test_the_test_plugin_is_found_through_the_entry_point_group() -> None:
    registry = build_registry(builtins={})
    assert registry.types() == ["sleep_scenarios"]
    assert registry.source("sleep_scenarios").origin == "entry point from undertow-testplugin"
    plugin = registry.get("sleep_scenarios")
    assert plugin.scenario_type == "sleep_scenarios"
    assert plugin.spec_model.__name__ == "SleepSpec"


def test_builtins_are_imported_only_when_used() -> None:
    sys.modules.pop("email.mime.text", None)
    registry = build_registry(
        builtins={"x_scenarios": "email.mime.text:MIMEText"}, entry_points=False
    )
    assert "x_scenarios" in registry
    assert "email.mime.text" not in sys.modules
    with pytest.raises(ScenarioError, match=r"cannot create plugin email\.mime\.text:MIMEText"):
        registry.get("x_scenarios")
    assert "email.mime.text" in sys.modules


def test_a_builtin_cannot_be_replaced_by_an_entry_point() -> None:
    registry = build_registry(builtins={"sleep_scenarios": "undertow_testplugin:plugin"})
    assert registry.source("sleep_scenarios").origin == "builtin"
    assert [s.origin for s in registry.shadowed] == ["entry point from undertow-testplugin"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module_here:plugin", "cannot load plugin no_such_module_here:plugin"),
        ("undertow_testplugin:nothing", "cannot load plugin undertow_testplugin:nothing"),
        ("undertow_testplugin:SleepConfig", "declares scenario_type None"),
    ],
)
def test_broken_plugins_are_reported_with_their_source(target: str, message: str) -> None:
    registry = build_registry(builtins={"sleep_scenarios": target}, entry_points=False)
    with pytest.raises(ScenarioError, match=message):
        registry.get("sleep_scenarios")


def test_every_builtin_loads_and_honours_the_contract() -> None:
    from undertow.scenarios.builtin import BUILTIN_SCENARIOS

    registry = build_registry(entry_points=False)
    for scenario_type in BUILTIN_SCENARIOS:
        assert registry.get(scenario_type).scenario_type == scenario_type
