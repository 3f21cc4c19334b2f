"""Fuzzed input: mutated configs and scenario files either load or are bad input, nothing else.

Each example starts from a valid document (a native config, a Krkn config, or one scenario
file of every registered type, taken from examples/) and mutates it: a value replaced by one
of another type or out of range, a key removed, an unknown key added, a list where a mapping
was, odd strings. The result goes through `undertow.commands.validate.validate`, the path
`undertow validate` and `undertow run` load input with. It must either give a run plan or raise
ConfigError whose every issue names a file; any other exception is a bug.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from undertow.commands.validate import validate
from undertow.errors import ConfigError
from undertow.scenarios.registry import build_registry

EXAMPLES = Path(__file__).parents[3] / "examples"
SPEC_EXAMPLES = {
    "application_outages_scenarios": "application_outage.yaml",
    "container_scenarios": "container_kill.yaml",
    "hog_scenarios": "cpu_hog.yaml",
    "http_load_scenarios": "http_load.yaml",
    "network_chaos_ng_scenarios": "network_filter.yaml",
    "network_chaos_scenarios": "network_chaos.yaml",
    "node_scenarios": "node_scenarios.yaml",
    "pod_disruption_scenarios": "pod_disruption.yaml",
    "pod_network_scenarios": "pod_network.yaml",
    "pvc_scenarios": "pvc_fill.yaml",
    "service_disruption_scenarios": "service_disruption.yaml",
    "service_hijacking_scenarios": "service_hijacking.yaml",
    "storage_throttle_scenarios": "storage_throttle.yaml",
    "syn_flood_scenarios": "syn_flood.yaml",
    "time_scenarios": "time_skew.yaml",
    "zone_outages_scenarios": "zone_outage.yaml",
}
"""A valid scenario file for every builtin type (the test plugin's is written below)."""
SLEEP_SPEC: dict[str, Any] = {"sleep": {"duration": 0, "outcome": "pass", "count": 1}}

NATIVE_CONFIG: dict[str, Any] = {
    "scenarios": [{"sleep_scenarios": ["s.yaml"]}],
    "exit_on_failure": False,
    "strict": True,
    "rollback": {"auto": True},
    "tunings": {"iterations": 1, "wait_duration": 0},
    "heartbeat": {"interval": 5},
    "control": {"port": 8081},
}
KRKN_CONFIG: dict[str, Any] = {
    "kraken": {
        "kubeconfig_path": "~/.kube/config",
        "exit_on_failure": False,
        "auto_rollback": True,
        "port": 8081,
        "signal_state": "RUN",
        "chaos_scenarios": [{"sleep_scenarios": ["s.yaml"]}],
    },
    "tunings": {"iterations": 1, "wait_duration": 0, "daemon_mode": False},
}

odd_strings = st.sampled_from(
    ["", " ", "-", "0", "1e999", "NaN", "null", "~", "ä\u200bé", "x" * 300, "a/b", "${X}", "\t"]
) | st.text(max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([-1, 0, 65536, 2**31, 10**12]),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_strings,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_strings, inner, max_size=3),
    max_leaves=6,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a document a mutation can hit (the root included)."""
    found = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


def _replace(doc: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[head] = _replace(doc[head], tuple(rest), new)
    return copy


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """`base` after one to three mutations."""
    doc = base
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(doc)))
        target = _at(doc, path)
        kind = draw(st.sampled_from(["replace", "unknown_key", "drop_key", "wrap", "stringify"]))
        if kind == "unknown_key" and isinstance(target, dict):
            new = {**target, draw(odd_strings): draw(values)}
        elif kind == "drop_key" and isinstance(target, dict) and target:
            dropped = draw(st.sampled_from(sorted(target, key=str)))
            new = {k: v for k, v in target.items() if k != dropped}
        elif kind == "wrap":
            new = [target]
        elif kind == "stringify":
            new = str(target)
        else:
            new = draw(values)
        doc = _replace(doc, path, new)
    return doc


def _outcome(config: Any, scenario_type: str, spec: Any) -> None:
    """Load `config` (naming `spec` as its one scenario file) the way the CLI does."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
        (root / "s.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
        try:
            validate(root / "config.yaml", env={})
        except ConfigError as error:
            assert error.issues, "a ConfigError with no issue"
            for issue in error.issues:
                assert issue.file and issue.message, issue
                assert issue.file.endswith(("config.yaml", "s.yaml")) or issue.file in {
                    "environment",
                    "command line",
                }, issue


def _config_for(scenario_type: str) -> dict[str, Any]:
    return {"scenarios": [{scenario_type: ["s.yaml"]}]}


def _spec(scenario_type: str) -> Any:
    if scenario_type == "sleep_scenarios":
        return SLEEP_SPEC
    return yaml.safe_load((EXAMPLES / SPEC_EXAMPLES[scenario_type]).read_text())


FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_every_registered_type_has_a_spec_to_mutate() -> None:
    assert set(build_registry().types()) == {*SPEC_EXAMPLES, "sleep_scenarios"}


@pytest.mark.parametrize("scenario_type", sorted({*SPEC_EXAMPLES, "sleep_scenarios"}))
def test_the_unmutated_spec_is_valid(scenario_type: str) -> None:
    _outcome(_config_for(scenario_type), scenario_type, _spec(scenario_type))


@pytest.mark.parametrize("scenario_type", sorted({*SPEC_EXAMPLES, "sleep_scenarios"}))
def test_a_mutated_scenario_file_loads_or_is_bad_input(scenario_type: str) -> None:
    @FUZZ
    @given(spec=mutated(_spec(scenario_type)))
    def check(spec: Any) -> None:
        _outcome(_config_for(scenario_type), scenario_type, spec)

    check()


@pytest.mark.parametrize("base", [NATIVE_CONFIG, KRKN_CONFIG], ids=["native", "krkn"])
def test_a_mutated_config_loads_or_is_bad_input(base: dict[str, Any]) -> None:
    @FUZZ
    @given(config=mutated(base))
    def check(config: Any) -> None:
        _outcome(config, "sleep_scenarios", SLEEP_SPEC)

    check()
