"""The CLI surface: fast help without heavy imports, version, scenarios, validate."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

HEAVY = ("kubernetes", "pydantic", "undertow.config", "undertow.scenarios.registry")


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys\nfrom undertow.cli.app import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_help_lists_every_command_with_examples(cli: Callable[..., object]) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("run", "validate", "scenarios", "version"):
        assert f"\n  {command} " in result.out
    assert "Examples:" in result.out


def test_every_subcommand_has_help_with_an_example(cli: Callable[..., object]) -> None:
    for args in (
        ["run"],
        ["validate"],
        ["scenarios", "list"],
        ["scenarios", "schema"],
        ["version"],
    ):
        result = cli(*args, "--help")
        assert result.code == 0, args
        assert "Example" in result.out, args


def test_version(cli: Callable[..., object]) -> None:
    from undertow import __version__

    assert cli("--version").out == f"undertow {__version__}\n"
    assert f"undertow: {__version__}" in cli("version").out


def test_scenarios_list_and_schema(cli: Callable[..., object]) -> None:
    listed = cli("scenarios", "list")
    assert listed.code == 0
    assert "sleep_scenarios" in listed.out
    schema = cli("scenarios", "schema", "sleep_scenarios")
    assert schema.code == 0
    document = json.loads(schema.out)
    assert document["properties"]["sleep"]["$ref"].endswith("SleepConfig")
    assert "duration" in document["$defs"]["SleepConfig"]["properties"]


def test_validate_accepts_and_lists_ignored(workdir: Path, cli: Callable[..., object]) -> None:
    (workdir / "s.yaml").write_text("sleep:\n  duration: 1\n")
    (workdir / "config.yaml").write_text(
        "kraken:\n  distribution: kubernetes\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        "telemetry: {enabled: false}\n"
    )
    result = cli("validate", "-c", "config.yaml")
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == "ignored: telemetry; kraken.distribution"
    assert lines[-1] == "config.yaml: valid, 1 scenario file"


MIXED = (
    "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
    "    - managedcluster_scenarios:\n        - c.yaml\n    - kubevirt_vm_outage: [t.yaml]\n"
)


def test_an_unimplemented_type_is_bad_input_naming_the_config_entry(
    workdir: Path, cli: Callable[..., object]
) -> None:
    (workdir / "s.yaml").write_text("sleep:\n  duration: 1\n")
    (workdir / "config.yaml").write_text(MIXED)
    result = cli("validate", "-c", "config.yaml")
    assert result.code == 2, result
    lines = result.err.splitlines()
    assert lines[0] == "error: invalid input (2 problems):"
    assert lines[1].startswith(
        "  config.yaml:5 at kraken.chaos_scenarios[1].managedcluster_scenarios[0]: "
        "managedcluster_scenarios is a Krkn scenario type undertow does not implement"
    )
    assert lines[2].startswith(
        "  config.yaml:6 at kraken.chaos_scenarios[2].kubevirt_vm_outage[0]: "
    )
    assert all("pass --skip-unsupported" in line for line in lines[1:])
    assert result.out == ""


def test_skip_unsupported_names_each_skipped_file(
    workdir: Path, cli: Callable[..., object]
) -> None:
    (workdir / "s.yaml").write_text("sleep:\n  duration: 1\n")
    (workdir / "config.yaml").write_text(MIXED)
    result = cli("validate", "-c", "config.yaml", "--skip-unsupported")
    assert result.code == 0, result
    assert result.out.splitlines()[1:] == [
        "skip  managedcluster_scenarios: c.yaml (a Krkn scenario type undertow does not "
        "implement; config.yaml:5)",
        "skip  kubevirt_vm_outage: t.yaml (a Krkn scenario type undertow does not "
        "implement; config.yaml:6)",
        "config.yaml: valid, 1 scenario file (2 skipped)",
    ]


def test_an_unknown_type_stays_an_error_with_skip_unsupported(
    workdir: Path, cli: Callable[..., object]
) -> None:
    (workdir / "s.yaml").write_text("sleep:\n  duration: 1\n")
    (workdir / "config.yaml").write_text(MIXED.replace("kubevirt_vm_outage", "kubevirt_vm_outag"))
    result = cli("validate", "-c", "config.yaml", "--skip-unsupported")
    assert result.code == 2, result
    assert (
        "unknown scenario type 'kubevirt_vm_outag' (did you mean 'kubevirt_vm_outage'?"
        in result.err
    )


def test_run_with_only_unimplemented_types_skipped_has_nothing_to_run(
    workdir: Path, cli: Callable[..., object]
) -> None:
    (workdir / "config.yaml").write_text(
        "kraken:\n  chaos_scenarios:\n    - kubevirt_vm_outage: [t]\n"
    )
    result = cli("run", "-c", "config.yaml", "--skip-unsupported", "--kubeconfig", "missing")
    assert result.code == 2, result
    assert "skip  kubevirt_vm_outage: t" in result.out
    assert result.err.splitlines() == [
        "error: invalid input (1 problem):",
        "  config.yaml: nothing to run: every scenario file selected is of a type undertow does "
        "not implement (skipped above); nothing was changed",
    ]
    assert not (workdir / "state").exists()


def test_unreachable_cluster_is_a_clean_error(workdir: Path, cli: Callable[..., object]) -> None:
    (workdir / "s.yaml").write_text("sleep:\n  duration: 0\n")
    (workdir / "config.yaml").write_text("scenarios:\n  - sleep_scenarios: [s.yaml]\n")
    (workdir / "kc").write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    result = cli("run", "-c", "config.yaml", "--dry-run", "--kubeconfig", "kc")
    assert result.code == 2  # the environment: nothing was changed, the hint names the fix
    assert "Traceback" not in result.err
    assert any(
        line.startswith("error: cannot reach the API server at https://127.0.0.1:9")
        for line in result.err.splitlines()
    ), result.err
    assert "hint: the kubeconfig (kc) came from --kubeconfig; to use another, pass another " in (
        result.err
    )


CLOSED_PORT_KUBECONFIG = (
    "apiVersion: v1\nkind: Config\n"
    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
    "users: [{name: u, user: {token: t}}]\n"
    "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
    "current-context: x\n"
)


def test_a_missing_kubeconfig_is_bad_input_before_anything_is_opened(
    workdir: Path, cli: Callable[..., object]
) -> None:
    (workdir / "s.yaml").write_text("sleep:\n  duration: 0\n")
    (workdir / "config.yaml").write_text(
        "kraken:\n  kubeconfig_path: kc/admin.conf\n  chaos_scenarios:\n"
        "    - sleep_scenarios: [s.yaml]\n"
    )
    for extra in ([], ["--dry-run"]):
        result = cli("run", "-c", "config.yaml", "--kubeconfig", "/nonexistent", *extra)
        assert (result.code, result.err.splitlines()) == (
            2,
            [
                "error: invalid input (1 problem):",
                "  command line at --kubeconfig: kubeconfig /nonexistent does not exist; "
                "pass another --kubeconfig FILE",
            ],
        )
        result = cli("run", "-c", "config.yaml", *extra)
        assert result.code == 2
        assert result.err.splitlines()[1] == (
            f"  config.yaml:2 at kraken.kubeconfig_path: kubeconfig {workdir}/kc/admin.conf does "
            "not exist; pass --kubeconfig FILE (or set UNDERTOW_KUBECONFIG), or change "
            "kraken.kubeconfig_path"
        )
    assert not (workdir / "state").exists()  # no journal opened


def test_krkns_sample_kubeconfig_path_falls_through_to_kubeconfig(
    workdir: Path, cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(workdir / "home"))  # no ~/.kube/config there
    monkeypatch.setenv("KUBECONFIG", str(workdir / "kc"))
    (workdir / "kc").write_text(CLOSED_PORT_KUBECONFIG)
    (workdir / "s.yaml").write_text("sleep:\n  duration: 0\n")
    (workdir / "config.yaml").write_text(
        "kraken:\n  kubeconfig_path: ~/.kube/config\n  chaos_scenarios:\n"
        "    - sleep_scenarios: [s.yaml]\n"
    )
    result = cli("run", "-c", "config.yaml", "--dry-run")
    assert result.code == 2  # the kubeconfig was found; its server is down
    err = " ".join(result.err.split())  # the notice is logged, wrapped to the terminal width
    assert (
        "kraken.kubeconfig_path in config.yaml:2 is Krkn's sample default ~/.kube/config, which "
        f"does not exist here; using KUBECONFIG ({workdir}/kc)"
    ) in err
    assert (
        f"hint: the kubeconfig ({workdir}/kc) came from KUBECONFIG; to use another, pass "
        "--kubeconfig FILE (or set UNDERTOW_KUBECONFIG), or change kraken.kubeconfig_path, or "
        "change KUBECONFIG"
    ) in err
