from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from undertow import errors
from undertow.rollback import naming


@given(
    scenario=st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True),
    ts=st.integers(min_value=0, max_value=2**63),
    executed=st.booleans(),
)
def test_version_names_round_trip(scenario: str, ts: int, executed: bool) -> None:
    name = naming.VersionName(scenario, ts, naming.random_suffix(), executed)
    assert naming.parse_version_file(name.filename) == name


def test_seed_examples_parse() -> None:
    parsed = naming.parse_version_file("network_chaos_ng_scenarios_1755496142436906000_btmcxrri.py")
    assert parsed == naming.VersionName(
        "network_chaos_ng_scenarios", 1755496142436906000, "btmcxrri", False
    )
    assert naming.parse_context("1755488223093251000-168dce4c-fdb4-4e8c-aa5b-7f919777801b") == (
        1755488223093251000,
        "168dce4c-fdb4-4e8c-aa5b-7f919777801b",
    )


@pytest.mark.parametrize(
    "name",
    [
        "x_1_abcdefgh.pyc",
        "x_1_abcdefg.py",
        "x_1_ABCDEFGH.py",
        ".tmp-x_1_abcdefgh.py",
        "run.json",
        "x_1_abcdefgh.py\n",
        "x_1_abcdefgh.py.executed\n",
        "x_\u0661_abcdefgh.py",
    ],
)
def test_other_files_are_not_version_files(name: str) -> None:
    assert naming.parse_version_file(name) is None


def test_suffix_is_eight_lowercase_letters_and_varies() -> None:
    suffixes = {naming.random_suffix() for _ in range(200)}
    assert len(suffixes) == 200
    assert all(len(s) == 8 and s.isalpha() and s.islower() for s in suffixes)


def test_a_context_name_is_matched_whole() -> None:
    assert naming.parse_context("1-run\n") is None


@pytest.mark.parametrize("bad", ["../x", "a/b", "", ".hidden", "x y", "x\n"])
def test_unsafe_ids_are_rejected(bad: str) -> None:
    with pytest.raises(errors.JournalError):
        naming.check_run_id(bad)
    with pytest.raises(errors.JournalError):
        naming.check_scenario_type(bad)
