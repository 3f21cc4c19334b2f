"""`load_connection`: the versions dir, kubeconfig and context the `rollback` commands use,
resolved in `run`'s order (flag > environment > config file > default), with or without a
config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from undertow.config import Overrides, load_connection, load_settings
from undertow.errors import ConfigError


def test_without_a_config_flags_win_over_the_environment_over_the_default(tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "st")}
    default = load_connection(None, env=env)
    assert default.versions_directory == tmp_path / "st" / "undertow" / "rollback"
    assert (default.kubeconfig, default.context) == (None, None)

    env |= {
        "UNDERTOW_ROLLBACK_DIR": str(tmp_path / "env-v"),
        "UNDERTOW_KUBECONFIG": str(tmp_path / "env-kc"),
        "UNDERTOW_CONTEXT": "env-ctx",
    }
    from_env = load_connection(None, env=env)
    assert from_env.versions_directory == tmp_path / "env-v"
    assert from_env.kubeconfig is not None and from_env.kubeconfig.source == "UNDERTOW_KUBECONFIG"
    assert from_env.context == "env-ctx"

    flags = Overrides(
        kubeconfig=tmp_path / "flag-kc", context="flag-ctx", versions_directory=tmp_path / "f"
    )
    from_flags = load_connection(None, overrides=flags, env=env)
    assert from_flags.versions_directory == tmp_path / "f"
    assert from_flags.kubeconfig is not None
    assert (from_flags.kubeconfig.path, from_flags.kubeconfig.source) == (
        tmp_path / "flag-kc",
        "--kubeconfig",
    )
    assert from_flags.context == "flag-ctx"


def test_with_a_config_it_is_exactly_what_run_resolves(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "kubeconfig: kc\ncontext: file-ctx\nrollback:\n  versions_directory: v\n"
        "scenarios:\n  - a: [f.yaml]\n"
    )
    overrides = Overrides(context="flag-ctx")
    connection = load_connection(config, overrides=overrides, env={}, cwd=tmp_path)
    settings = load_settings(config, overrides=overrides, env={}, cwd=tmp_path)
    assert connection == settings.connection
    assert connection.versions_directory == tmp_path / "v"
    assert connection.kubeconfig is not None and connection.kubeconfig.path == tmp_path / "kc"
    assert connection.context == "flag-ctx"


def test_a_bad_environment_is_bad_input_without_a_config_too() -> None:
    with pytest.raises(ConfigError, match="UNDERTOW_ROLLBACK_AUTO"):
        load_connection(None, env={"UNDERTOW_ROLLBACK_AUTO": "maybe"})


def test_the_journal_key_comes_from_the_environment_the_config_or_the_config_dir(
    tmp_path: Path,
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert load_connection(None, env=env).journal_key == tmp_path / "cfg/undertow/journal.key"
    config = tmp_path / "c.yaml"
    config.write_text("rollback:\n  journal_key: keys/k\nscenarios:\n  - a: [f.yaml]\n")
    from_file = load_settings(config, env=env, cwd=tmp_path)
    assert from_file.rollback.journal_key == tmp_path / "keys" / "k"
    assert from_file.connection.journal_key == tmp_path / "keys" / "k"
    env["UNDERTOW_JOURNAL_KEY"] = str(tmp_path / "env-key")
    assert load_settings(config, env=env, cwd=tmp_path).rollback.journal_key == (
        tmp_path / "env-key"
    )
    assert load_connection(None, env=env).journal_key == tmp_path / "env-key"
