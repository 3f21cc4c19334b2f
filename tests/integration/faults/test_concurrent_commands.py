"""undertow commands at the same time, as real processes on the same cluster and versions dir.

- two `undertow run` at once: each rolls back exactly its own entries, neither touches the
  other's (a live run is never stale), every version file is executed once;
- `rollback execute` while a run is live: the run is skipped, named with its pid; its change
  stays until the run itself rolls it back;
- two `rollback execute` at once on a dead run: one executes, the other skips the context
  and names the holder (the first one is kept busy by the fault proxy's slow answers).

Each test records a `reliability` property for scripts/reliability_report.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from api_fault_proxy import FaultProxy

from undertow import failpoints
from undertow.kube import KubeApi
from undertow.rollback import directory

pytestmark = pytest.mark.timeout(300)

Record = Callable[[str, object], None]


def command(kubeconfig: str | Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "undertow", *args, "--kubeconfig", str(kubeconfig)]


def environment(tmp: Path, armed: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
    return {**env, "XDG_STATE_HOME": str(tmp / "state"), failpoints.ENV_VAR: armed}


def start(tmp: Path, argv: list[str], armed: str = "") -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        cwd=tmp,
        env=environment(tmp, armed),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=240)
    return proc.returncode, out


def sleep_config(tmp: Path, name: str, namespace: str, duration: float, outcome: str) -> Path:
    (tmp / f"{name}.yaml").write_text(
        f"sleep:\n  duration: {duration}\n  configmap_namespace: {namespace}\n"
        f"  outcome: {outcome}\n"
    )
    config = tmp / f"{name}-config.yaml"
    config.write_text(f"scenarios:\n  - sleep_scenarios: [{name}.yaml]\n")
    return config


def run_argv(kubeconfig: str | Path, config: Path, versions: Path) -> list[str]:
    return command(kubeconfig, "run", "-c", str(config), "--versions-dir", str(versions))


def execute_argv(kubeconfig: str | Path, versions: Path) -> list[str]:
    return command(kubeconfig, "rollback", "execute", "--yes", "--versions-dir", str(versions))


def execute_to_end(
    tmp: Path, kubeconfig: str | Path, versions: Path
) -> subprocess.CompletedProcess[str]:
    """`undertow rollback execute` on `versions`, run to its end."""
    return subprocess.run(
        execute_argv(kubeconfig, versions),
        cwd=tmp,
        env=environment(tmp),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def undertow_config_maps(api: KubeApi, namespace: str) -> list[str]:
    return sorted(
        c["metadata"]["name"]
        for c in api.list(
            "v1", "ConfigMap", namespace, label_selector="app.kubernetes.io/managed-by=undertow"
        )
        if not c["metadata"].get("deletionTimestamp")
    )


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def files(versions: Path) -> tuple[list[Path], list[Path]]:
    runs = directory.list_runs(versions, include_executed=True)
    return (
        [f.path for r in runs for f in r.pending],
        [f.path for r in runs for f in r.executed],
    )


def note(record: Record, check: str, outcome: str) -> None:
    record(
        "reliability", json.dumps({"section": "concurrency", "check": check, "outcome": outcome})
    )


def test_two_runs_at_once_each_roll_back_their_own(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path, record_testsuite_property: Record
) -> None:
    versions = tmp_path / "versions"
    first = start(
        tmp_path,
        run_argv(kubeconfig, sleep_config(tmp_path, "a", namespace, 4, "fail"), versions),
    )
    second = start(
        tmp_path,
        run_argv(kubeconfig, sleep_config(tmp_path, "b", namespace, 4, "fail"), versions),
    )
    (code_a, out_a), (code_b, out_b) = finish(first), finish(second)
    assert (code_a, code_b) == (1, 1), out_a + out_b
    pending, executed = files(versions)
    assert pending == [] and len(executed) == 2
    assert len({p.parent for p in executed}) == 2  # one context each
    assert undertow_config_maps(api, namespace) == []
    note(
        record_testsuite_property,
        "two `undertow run` at once on one cluster and versions dir",
        "each rolled back its own entry (2 files, each executed once); neither touched the other's",
    )


def test_rollback_execute_leaves_a_live_run_alone(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path, record_testsuite_property: Record
) -> None:
    versions = tmp_path / "versions"
    # The run sleeps far longer than any racing command can take on a busy machine, and is
    # stopped by SIGTERM (its own rollback) once the race is over: no timing to win or lose.
    config = sleep_config(tmp_path, "live", namespace, 200, "fail")
    run = start(tmp_path, run_argv(kubeconfig, config, versions))
    try:
        wait_for(lambda: len(undertow_config_maps(api, namespace)) == 1)
        made = undertow_config_maps(api, namespace)
        racing = execute_to_end(tmp_path, kubeconfig, versions)
        assert racing.returncode == 0, racing.stdout + racing.stderr
        assert f"held by pid {run.pid}" in racing.stdout
        assert undertow_config_maps(api, namespace) == made  # the live run's change stays
        assert run.poll() is None  # still live: the race was really against a live run
    finally:
        run.send_signal(signal.SIGTERM)
        code, out = finish(run)
    assert code == 128 + signal.SIGTERM, out
    assert files(versions)[0] == [] and undertow_config_maps(api, namespace) == []
    note(
        record_testsuite_property,
        "`rollback execute` while a run is live",
        "skipped the live run, naming its pid; the run's change stayed until the run undid it",
    )


def test_two_rollback_executes_at_once_one_executes_the_other_names_it(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path, record_testsuite_property: Record
) -> None:
    versions = tmp_path / "versions"
    config = sleep_config(tmp_path, "dead", namespace, 0, "fail")
    died = start(tmp_path, run_argv(kubeconfig, config, versions), armed="client.after_api_call")
    assert finish(died)[0] < 0  # SIGKILLed with its ConfigMap made and pending
    [entry] = files(versions)[0]
    with FaultProxy(kubeconfig, rate=1.0, faults=("slow",), slow_seconds=2).start(tmp_path) as slow:
        first = start(tmp_path, execute_argv(slow.kubeconfig, versions))
        wait_for(lambda: slow.counts["requests"] > 0)
        second = execute_to_end(tmp_path, kubeconfig, versions)
        code, out = finish(first)
    assert code == 0, out
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"held by pid {first.pid}" in second.stdout and "rollback execute" in second.stdout
    assert "1 restored" in out
    assert files(versions) == ([], [entry.with_name(entry.name + ".executed")])
    assert undertow_config_maps(api, namespace) == []
    note(
        record_testsuite_property,
        "two `rollback execute` at once on a dead run",
        "one executed it (1 restored); the other skipped the context, naming the holder's pid",
    )
