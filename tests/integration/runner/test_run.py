"""`undertow run` end to end on the local control plane, as a real process.

The test plugin (`sleep_scenarios`, tests/data/plugin) creates a ConfigMap through the
journaled client, waits, then passes, fails or is interrupted. Whatever happens, the
ConfigMap must be gone afterwards (rollback on), or kept pending (rollback off).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest


def configmaps(api_client: Any, namespace: str) -> list[str]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_config_map(namespace).items
    return sorted(i.metadata.name for i in items if i.metadata.name.startswith("sleep-"))


def setup(
    tmp_path: Path,
    namespace: str,
    *,
    outcome: str,
    duration: float = 0,
    auto: bool = True,
    unimplemented: str = "",
) -> Path:
    """A Krkn config running the test plugin; `unimplemented` adds a Krkn type entry after it."""
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: {duration}\n  outcome: {outcome}\n"
        f"  configmap_namespace: {namespace}\n"
    )
    extra = f"    - {unimplemented}:\n        - c.yaml\n" if unimplemented else ""
    config = tmp_path / "config.yaml"
    config.write_text(
        "kraken:\n"
        f"  auto_rollback: {str(auto).lower()}\n"
        f"  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n{extra}"
        "tunings: {wait_duration: 0}\n"
    )
    return config


def undertow(*args: str, kubeconfig: str, tmp_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.Popen(
        [sys.executable, "-m", "undertow", *args, "--kubeconfig", kubeconfig],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_reporting(
    config: Path, report: Path, *, kubeconfig: str, tmp_path: Path
) -> subprocess.Popen[str]:
    """`undertow run -c CONFIG --report-dir REPORT`, started in the background."""
    return undertow(
        "run",
        "-c",
        str(config),
        "--report-dir",
        str(report),
        kubeconfig=kubeconfig,
        tmp_path=tmp_path,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out + err


def version_files(tmp_path: Path) -> list[str]:
    root = tmp_path / "state" / "undertow" / "rollback"
    return sorted(
        p.name.split("_", 2)[0] + ("|executed" if p.name.endswith(".executed") else "")
        for p in root.rglob("*.py*")
    )


def test_a_passing_scenario_cleans_up_and_exits_0(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="pass")
    code, output = finish(
        undertow(
            "run",
            "-c",
            str(config),
            "--report-dir",
            str(tmp_path / "rep"),
            kubeconfig=kubeconfig,
            tmp_path=tmp_path,
        )
    )
    assert code == 0, output
    assert configmaps(api_client, namespace) == []
    assert version_files(tmp_path) == []
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert report["exit_code"] == 0
    assert [s["status"] for s in report["scenarios"]] == ["passed"]
    assert (
        '<testsuite name="undertow" tests="1" failures="0"'
        in (tmp_path / "rep" / "junit.xml").read_text()
    )


def test_a_failed_scenario_is_rolled_back_and_exits_1(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="fail")
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 1, output
    assert configmaps(api_client, namespace) == []
    assert version_files(tmp_path) == ["sleep|executed"]
    assert "1 restored" in output


def test_an_exception_in_the_plugin_is_rolled_back(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="raise")
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 1, output
    assert "RuntimeError: the test plugin was told to raise" in output
    assert configmaps(api_client, namespace) == []


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130), (signal.SIGHUP, 129)]
)
def test_a_signal_mid_scenario_rolls_back_then_exits_128_plus_n(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, signum: int, code: int
) -> None:
    config = setup(tmp_path, namespace, outcome="pass", duration=60)
    proc = undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    deadline = time.monotonic() + 60
    while not configmaps(api_client, namespace):
        assert time.monotonic() < deadline, "the scenario never created its ConfigMap"
        assert proc.poll() is None, finish(proc)
        time.sleep(0.2)
    proc.send_signal(signum)
    returncode, output = finish(proc)
    assert returncode == code, output
    assert configmaps(api_client, namespace) == []
    assert "interrupted" in output


def test_with_rollback_off_the_change_stays_pending_then_the_next_run_undoes_it(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="fail", auto=False)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 1, output
    assert len(configmaps(api_client, namespace)) == 1
    assert version_files(tmp_path) == ["sleep"]
    assert "kept pending" in output
    # ... and the run ends by listing them, as `undertow rollback list` would.
    (pending,) = (tmp_path / "state" / "undertow" / "rollback").rglob("*.py")
    assert pending.name in output.replace("\n", "")
    # The next run, with rollback on, rolls the dead run's change back before injecting.
    config = setup(tmp_path, namespace, outcome="pass", auto=True)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 0, output
    assert "earlier run" in output
    assert configmaps(api_client, namespace) == []
    assert version_files(tmp_path) == ["sleep|executed"]


def test_an_unwritable_versions_dir_touches_nothing(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="fail")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the versions directory should be")
    code, output = finish(
        undertow(
            "run",
            "-c",
            str(config),
            "--versions-dir",
            str(blocked / "v"),
            kubeconfig=kubeconfig,
            tmp_path=tmp_path,
        )
    )
    assert code == 2, output  # the environment: nothing was changed, the message names why
    assert "Traceback" not in output
    assert configmaps(api_client, namespace) == []


def test_dry_run_changes_nothing(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="fail")
    code, output = finish(
        undertow("run", "-c", str(config), "--dry-run", kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 0, output
    assert "sleep 0s, then fail" in output
    assert "dry run: nothing was changed" in output
    assert configmaps(api_client, namespace) == []
    assert not (tmp_path / "state").exists()


def test_a_config_with_an_unimplemented_type_exits_2_and_touches_nothing(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="pass", unimplemented="arcaflow_scenarios")
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 2, output
    assert (
        f"{config}:6 at kraken.chaos_scenarios[1].arcaflow_scenarios[0]: arcaflow_scenarios "
        "is a Krkn scenario type undertow does not implement" in output
    )
    assert "--skip-unsupported" in output
    assert configmaps(api_client, namespace) == []
    assert not (tmp_path / "state").exists()  # not even a journal was opened


def test_skip_unsupported_runs_the_rest_and_names_what_it_skipped(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="pass", unimplemented="arcaflow_scenarios")
    report_dir = tmp_path / "rep"
    code, output = finish(
        undertow(
            "run",
            "-c",
            str(config),
            "--skip-unsupported",
            "--report-dir",
            str(report_dir),
            kubeconfig=kubeconfig,
            tmp_path=tmp_path,
        )
    )
    assert code == 0, output
    assert (
        "skip  arcaflow_scenarios: c.yaml (a Krkn scenario type undertow does not implement; "
        f"{config}:6)" in output.splitlines()
    )
    assert configmaps(api_client, namespace) == []
    assert version_files(tmp_path) == []
    report = json.loads((report_dir / "report.json").read_text())
    assert [(s["scenario_type"], s["status"]) for s in report["scenarios"]] == [
        ("sleep_scenarios", "passed"),
        ("arcaflow_scenarios", "skipped"),
    ]
    assert report["scenarios"][1]["config"] == f"{config}:6"
    assert (report["passed"], report["failed"], report["skipped"]) == (1, 0, 1)
    junit = (report_dir / "junit.xml").read_text()
    assert 'tests="2" failures="0" errors="0" skipped="1"' in junit
    assert "<skipped message=" in junit


def run_with_env(config: Path, tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    """`undertow run` without the fixture's --kubeconfig, HOME in tmp_path (no ~/.kube)."""
    base = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "UNDERTOW_KUBECONFIG")}
    base.update(XDG_STATE_HOME=str(tmp_path / "state"), HOME=str(tmp_path / "home"), **env)
    proc = subprocess.run(
        [sys.executable, "-m", "undertow", "run", "-c", str(config), *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_a_missing_kubeconfig_exits_2_and_touches_nothing(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="pass")
    code, output = run_with_env(
        config, tmp_path, "--kubeconfig", "/nonexistent", KUBECONFIG=kubeconfig
    )
    assert code == 2, output
    assert "command line at --kubeconfig: kubeconfig /nonexistent does not exist" in output
    assert configmaps(api_client, namespace) == []
    assert not (tmp_path / "state").exists()


def test_krkns_sample_kubeconfig_path_falls_through_to_kubeconfig(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="pass")
    text = config.read_text().replace("kraken:\n", "kraken:\n  kubeconfig_path: ~/.kube/config\n")
    config.write_text(text)
    code, output = run_with_env(config, tmp_path, KUBECONFIG=kubeconfig)
    assert code == 0, output
    notice = " ".join(output.split())  # logged, so wrapped at the terminal's width
    assert "is Krkn's sample default ~/.kube/config, which does not exist here; using " in notice
    assert configmaps(api_client, namespace) == []


def test_a_fifo_in_a_dead_runs_context_neither_blocks_nor_breaks_the_next_run(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    config = setup(tmp_path, namespace, outcome="fail", auto=False)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 1, output
    (pending,) = (tmp_path / "state" / "undertow" / "rollback").rglob("*.py")
    os.mkfifo(pending.with_name("sleep_scenarios_1_fifofifo.py"), 0o600)
    (pending.parent / "run.json").unlink()
    os.mkfifo(pending.parent / "run.json", 0o600)

    config = setup(tmp_path, namespace, outcome="pass", auto=True)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    # The good entry is rolled back; the FIFO is refused with the reason, and since that
    # stale run is not fully restored, nothing new is injected (exit 3).
    assert code == 3, output
    assert "Traceback" not in output
    assert "sleep_scenarios_1_fifofifo.py is not a regular file; refused" in output
    assert "nothing was injected" in output
    assert configmaps(api_client, namespace) == []
    assert pending.with_name(pending.name + ".executed").exists()
