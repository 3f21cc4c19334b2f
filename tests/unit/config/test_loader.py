"""Loading Krkn's config.yaml and undertow's own format into Settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from undertow.config import Overrides, load_connection, load_settings
from undertow.errors import ConfigError

DATA = Path(__file__).resolve().parents[2] / "data"
KRKN_CONFIG = DATA / "krkn_config" / "config.yaml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_krkn_example_config_loads_with_ignored_parts_listed(tmp_path: Path) -> None:
    settings = load_settings(KRKN_CONFIG, env={}, cwd=tmp_path)
    assert settings.tunings.iterations == 1
    assert settings.tunings.wait_duration == 60
    assert settings.tunings.daemon_mode is False
    assert settings.exit_on_failure is False
    assert settings.kubeconfig is not None
    assert settings.kubeconfig.path == Path("~/.kube/config").expanduser()
    assert (settings.kubeconfig.source, settings.kubeconfig.line) == ("kraken.kubeconfig_path", 10)
    assert settings.kubeconfig.written == "~/.kube/config"
    # Krkn's code defaults auto_rollback to false when the key is missing; undertow does not.
    assert settings.rollback.auto is True
    types = [ref.scenario_type for ref in settings.scenarios]
    assert types[:2] == ["arcaflow_scenarios", "arcaflow_scenarios"]
    assert "application_outages_scenarios" in types  # older key `application_outages`
    assert "zone_outages_scenarios" in types
    assert "network_chaos_scenarios" in types
    assert len(settings.scenarios) == 20
    assert "kraken.distribution" in settings.ignored
    # Krkn's run control keys are honoured, the address as written
    for key in ("port", "publish_kraken_status", "signal_address", "signal_state"):
        assert f"kraken.{key}" not in settings.ignored
    assert settings.control.enabled and settings.control.signal_state == "RUN"
    assert (settings.control.address, settings.control.port) == ("0.0.0.0", 8081)
    assert settings.cerberus is not None and not settings.cerberus.cerberus_enabled
    assert "cerberus" not in settings.ignored
    # Krkn's kube-burner era keys are accepted and reported; alerts are off in this config
    assert "performance_monitoring.kube_burner_binary_url" in settings.ignored
    assert "performance_monitoring.deploy_dashboards" not in settings.ignored  # False
    assert settings.prometheus is None
    assert "telemetry" in settings.ignored
    assert any(
        note.startswith("post-action script scenarios/openshift/post_action_namespace.py")
        for note in settings.ignored
    )


def test_scenario_paths_resolve_against_the_config_dir_then_the_cwd(tmp_path: Path) -> None:
    config = write(
        tmp_path / "conf" / "config.yaml",
        "scenarios:\n  - a_scenarios: [here.yaml, there.yaml, nowhere.yaml]\n",
    )
    write(tmp_path / "conf" / "here.yaml", "x: 1\n")
    write(tmp_path / "there.yaml", "x: 1\n")
    settings = load_settings(config, env={}, cwd=tmp_path)
    paths = [ref.path for ref in settings.scenarios]
    assert paths == [
        tmp_path / "conf" / "here.yaml",
        tmp_path / "there.yaml",
        tmp_path / "conf" / "nowhere.yaml",
    ]
    assert settings.scenarios[2].candidates == (
        tmp_path / "conf" / "nowhere.yaml",
        tmp_path / "nowhere.yaml",
    )
    assert settings.scenarios[0].line == 2


def test_defaults_of_undertows_own_format(tmp_path: Path) -> None:
    config = write(tmp_path / "c.yaml", "scenarios:\n  - a: [f.yaml]\n")
    settings = load_settings(config, env={"XDG_STATE_HOME": str(tmp_path / "st")}, cwd=tmp_path)
    assert settings.rollback.auto is True
    assert settings.rollback.versions_directory == tmp_path / "st" / "undertow" / "rollback"
    assert settings.tunings.iterations == 1
    assert settings.kubeconfig is None
    assert settings.report_directory is None
    assert settings.ignored == ()


def test_krkn_rollback_keys_map_to_rollback_settings(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.yaml",
        "kraken:\n  auto_rollback: false\n  rollback_versions_directory: vers\n"
        "  chaos_scenarios:\n    - a: [f.yaml]\n",
    )
    settings = load_settings(config, env={}, cwd=tmp_path)
    assert settings.rollback.auto is False
    assert settings.rollback.versions_directory == tmp_path / "vers"


def test_precedence_flag_over_environment_over_file(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.yaml",
        "kubeconfig: file-kc\ncontext: file-ctx\nrollback: {auto: true, "
        "versions_directory: file-vers}\ntunings: {iterations: 2, wait_duration: 3}\n"
        "report: {directory: file-rep}\nscenarios:\n  - a: [f.yaml]\n",
    )
    env = {
        "UNDERTOW_KUBECONFIG": "/env/kc",
        "UNDERTOW_ROLLBACK_DIR": "/env/vers",
        "UNDERTOW_ROLLBACK_AUTO": "off",
        "UNDERTOW_ITERATIONS": "5",
        "UNDERTOW_WAIT_DURATION": "0.5",
        "UNDERTOW_DAEMON_MODE": "yes",
        "UNDERTOW_EXIT_ON_FAILURE": "1",
        "UNDERTOW_REPORT_DIR": "/env/rep",
    }
    from_env = load_settings(config, env=env, cwd=tmp_path)
    assert from_env.kubeconfig is not None
    assert from_env.kubeconfig.path == Path("/env/kc")
    assert from_env.kubeconfig.source == "UNDERTOW_KUBECONFIG"
    assert from_env.context == "file-ctx"
    assert from_env.rollback.versions_directory == Path("/env/vers")
    assert from_env.rollback.auto is False
    assert (from_env.tunings.iterations, from_env.tunings.wait_duration) == (5, 0.5)
    assert from_env.tunings.daemon_mode is True
    assert from_env.exit_on_failure is True
    assert from_env.report_directory == Path("/env/rep")
    flags = Overrides(
        kubeconfig=Path("/flag/kc"),
        context="flag-ctx",
        versions_directory=Path("/flag/vers"),
        report_directory=Path("/flag/rep"),
        auto_rollback=True,
    )
    from_flags = load_settings(config, env=env, cwd=tmp_path, overrides=flags)
    assert from_flags.kubeconfig is not None
    assert from_flags.kubeconfig.path == Path("/flag/kc")
    assert from_flags.kubeconfig.source == "--kubeconfig"
    assert from_flags.context == "flag-ctx"
    assert from_flags.rollback.versions_directory == Path("/flag/vers")
    assert from_flags.rollback.auto is True
    assert from_flags.report_directory == Path("/flag/rep")
    from_file = load_settings(config, env={}, cwd=tmp_path)
    assert from_file.kubeconfig is not None
    assert from_file.kubeconfig.path == tmp_path / "file-kc"
    assert (from_file.kubeconfig.source, from_file.kubeconfig.line) == ("kubeconfig", 1)
    assert from_file.rollback.versions_directory == tmp_path / "file-vers"
    assert from_file.report_directory == tmp_path / "file-rep"


def test_errors_are_sorted_by_line(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.yaml", "tunings: {iterations: 0}\nexit_on_failure: maybe\nscenarios: []\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={}, cwd=tmp_path)
    assert [issue.line for issue in caught.value.issues] == [1, 2, 3]


def test_every_documented_variable_is_read(tmp_path: Path) -> None:
    from undertow.config.env import _PARSERS, ENV_VARS

    assert set(ENV_VARS) == set(_PARSERS)
    docs = (Path(__file__).resolve().parents[3] / "docs" / "config.md").read_text()
    for name in ENV_VARS:
        assert name in docs


def test_krkn_checkout_layout_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Krkn's example config from a Krkn-like checkout: every implemented type's file is
    one of Krkn's own example files (copied under tests/data/krkn/<type>/)."""
    from undertow.commands.validate import validate
    from undertow.scenarios import providers
    from undertow.scenarios.registry import build_registry

    shutil.copy(KRKN_CONFIG, write(tmp_path / "config" / "config.yaml", ""))
    registry = build_registry()
    examples = {
        "application_outages_scenarios": "application_outages",
        "container_scenarios": "container",
        "node_scenarios": "node_scenarios",
        "pvc_scenarios": "pvc",
        "service_disruption_scenarios": "service_disruption",
        "time_scenarios": "time",
        "zone_outages_scenarios": "zone_outages",
        "network_chaos_scenarios": "network_chaos",
    }
    settings = load_settings(tmp_path / "config" / "config.yaml", env={}, cwd=tmp_path)
    for ref in settings.scenarios:
        if ref.scenario_type in registry:
            source_dir = DATA / "krkn" / examples[ref.scenario_type]
            same = source_dir / Path(ref.written).name
            source = same if same.exists() else sorted(source_dir.iterdir())[0]
            # Filled in as a user would: Kubernetes would reject Krkn's placeholder.
            text = source.read_text().replace("<namespace-with-application>", "shop")
            text = text.replace("<label_selector>", "node-role.kubernetes.io/worker")
            text = text.replace("<interface_name>", "eth0")
            write(tmp_path / ref.written, text)
    monkeypatch.chdir(tmp_path)
    unimplemented = [ref for ref in settings.scenarios if ref.scenario_type not in registry]
    monkeypatch.setattr(providers, "missing_sdk", lambda cloud_type: None)  # every extra installed
    with pytest.raises(ConfigError) as caught:
        validate(Path("config/config.yaml"), env={})
    in_config = [i for i in caught.value.issues if i.file == str(Path("config/config.yaml"))]
    assert [(issue.line, issue.field) for issue in in_config] == [
        (ref.line, ref.field) for ref in unimplemented
    ]
    assert all("--skip-unsupported" in issue.message for issue in in_config)
    # Krkn's node example crashes a node without allow_irreversible: refused in that file.
    with pytest.raises(ConfigError) as caught:
        validate(Path("config/config.yaml"), env={}, skip_unsupported=True)
    (issue,) = caught.value.issues
    node_file = tmp_path / "scenarios" / "openshift" / "node_scenarios_example.yml"
    lines = node_file.read_text().splitlines()
    actions_line = next(n for n, line in enumerate(lines, 1) if "- actions:" in line)
    assert (issue.file, issue.line, issue.field) == (
        str(node_file),
        actions_line,
        "node_scenarios[0].allow_irreversible",
    )
    assert issue.message.startswith("node_crash_scenario crashes the node's kernel")
    node_file.write_text(
        node_file.read_text().replace(
            "    - stop_start_kubelet_scenario\n    - node_crash_scenario\n", ""
        )
    )
    result = validate(Path("config/config.yaml"), env={}, skip_unsupported=True)
    assert {job.scenario_type for job in result.plan.jobs} == {t for t in examples if t in registry}
    assert [(s.ref.line, s.ref.field) for s in result.plan.skipped] == [
        (ref.line, ref.field) for ref in unimplemented
    ]


def test_executed_retention_days_default_file_and_environment(tmp_path: Path) -> None:
    plain = write(tmp_path / "plain.yaml", "scenarios:\n  - a: [f.yaml]\n")
    assert load_settings(plain, env={}, cwd=tmp_path).rollback.executed_retention_days == 7
    assert load_connection(None, env={}).executed_retention_days == 7
    config = write(
        tmp_path / "c.yaml",
        "rollback: {executed_retention_days: 0.5}\nscenarios:\n  - a: [f.yaml]\n",
    )
    settings = load_settings(config, env={}, cwd=tmp_path)
    assert settings.connection.executed_retention_days == 0.5
    env = {"UNDERTOW_ROLLBACK_RETENTION_DAYS": "30"}
    assert load_settings(config, env=env, cwd=tmp_path).rollback.executed_retention_days == 30
    assert load_connection(None, env=env).executed_retention_days == 30


def test_a_negative_retention_is_bad_input_naming_the_field(tmp_path: Path) -> None:
    text = "rollback: {executed_retention_days: -1}\nscenarios:\n  - a: [f.yaml]\n"
    config = write(tmp_path / "c.yaml", text)
    with pytest.raises(ConfigError, match="executed_retention_days"):
        load_settings(config, env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="UNDERTOW_ROLLBACK_RETENTION_DAYS"):
        load_connection(None, env={"UNDERTOW_ROLLBACK_RETENTION_DAYS": "-2"})
