"""The heartbeat section: defaults, both config formats, the environment, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from undertow.config import load_settings
from undertow.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_are_ten_and_sixty_seconds_in_the_undertow_namespace(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "scenarios:\n  - a: [f.yaml]\n")
    heartbeat = load_settings(config, env={}, cwd=tmp_path).heartbeat
    assert (heartbeat.interval, heartbeat.grace, heartbeat.namespace) == (10, 60, "undertow")


def test_undertows_own_config_sets_the_heartbeat(tmp_path: Path) -> None:
    text = "heartbeat: {interval: 2, grace: 9, namespace: chaos}\nscenarios:\n  - a: [f.yaml]\n"
    heartbeat = load_settings(write(tmp_path / "c.yaml", text), env={}, cwd=tmp_path).heartbeat
    assert (heartbeat.interval, heartbeat.grace, heartbeat.namespace) == (2, 9, "chaos")


def test_a_krkn_config_sets_it_in_an_undertow_section(tmp_path: Path) -> None:
    text = "kraken:\n  chaos_scenarios:\n    - a: [f.yaml]\nundertow:\n  heartbeat: {grace: 30}\n"
    settings = load_settings(write(tmp_path / "c.yaml", text), env={}, cwd=tmp_path)
    assert (settings.heartbeat.interval, settings.heartbeat.grace) == (10, 30)
    assert "undertow" not in settings.ignored


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    text = "heartbeat: {interval: 2, grace: 9}\nscenarios:\n  - a: [f.yaml]\n"
    env = {"UNDERTOW_HEARTBEAT_INTERVAL": "1.5", "UNDERTOW_HEARTBEAT_GRACE": "20"}
    heartbeat = load_settings(write(tmp_path / "c.yaml", text), env=env, cwd=tmp_path).heartbeat
    assert (heartbeat.interval, heartbeat.grace) == (1.5, 20)


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ("{interval: 0}", "heartbeat.interval"),
        ("{grace: 5, interval: 5}", "grace (5) must be longer than interval"),
        ("{namespace: Not_A_Name}", "heartbeat.namespace"),
        ("{beat: 1}", "heartbeat.beat"),
    ],
)
def test_bad_values_name_the_field(tmp_path: Path, section: str, named: str) -> None:
    config = write(tmp_path / "c.yaml", f"heartbeat: {section}\nscenarios:\n  - a: [f.yaml]\n")
    with pytest.raises(ConfigError, match=named.replace("(", r"\(").replace(")", r"\)")):
        load_settings(config, env={}, cwd=tmp_path)


def test_an_environment_interval_past_the_files_grace_is_bad_input(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "heartbeat: {grace: 20}\nscenarios:\n  - a: [f.yaml]\n")
    with pytest.raises(ConfigError, match="UNDERTOW_HEARTBEAT_INTERVAL"):
        load_settings(config, env={"UNDERTOW_HEARTBEAT_INTERVAL": "30"}, cwd=tmp_path)
