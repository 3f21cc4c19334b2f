"""container_scenarios and hog_scenarios on the real node, proven by their effect: the
signalled container restarts; the CPU hog's cgroup burns CPU, the memory hog's holds the
memory and the IO hog writes in its volume; then no hog pod is left. The examples run
against the sample workload. A run killed mid-hog leaves a fault that ends by
itself (stress-ng's timeout, activeDeadlineSeconds), and `rollback execute` removes the pod.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from real_pods import create_ready, node_dir, real_pod, wait_for

from undertow.cluster import realnode
from undertow.rollback import directory
from undertow.scenarios.common.helper_pod import EXPIRY_MARGIN

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
HOG_LABEL = "undertow.io/hog"
ON_THE_REAL_NODE = {
    "node-name": realnode.NODE_NAME,
    "taints": [f"{realnode.REAL_NODE_LABEL}=true:NoSchedule"],
    "workers": 1,
}
TRAPS_TERM = ["sh", "-c", 'trap "exit 143" TERM; httpd -f -p 8080 -h /var/www & wait']
"""A main process with a SIGTERM handler: pid 1 of a container ignores the signals it has
no handler for (the kernel's rule for a namespace's init), SIGKILL included."""


class UndertowRun:
    """`undertow run` on one scenario file, as a user starts it."""

    def __init__(self, tmp: Path, kubeconfig: str, scenario_type: str, body: Any) -> None:
        self.tmp, self.kubeconfig = tmp, kubeconfig
        self.versions = tmp / "versions"
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
        (tmp / "config.yaml").write_text(
            f"kraken:\n  chaos_scenarios:\n    - {scenario_type}: [scenario.yaml]\n"
            "tunings: {wait_duration: 0}\n"
        )
        self.log = tmp / "run.log"
        self.env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state")}
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "undertow", "run", "-c", str(tmp / "config.yaml")),
                    *("--kubeconfig", kubeconfig, "--versions-dir", str(self.versions)),
                    *("--report-dir", str(tmp / "reports")),
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def finish(self) -> dict[str, Any]:
        """Wait for the run to end; its JSON report."""
        assert self.proc.wait(timeout=300) == 0, self.output()
        report: dict[str, Any] = json.loads((self.tmp / "reports" / "report.json").read_text())
        return report

    def kill_when(self, injected: Callable[[], object]) -> None:
        try:
            wait_for("the fault injected", lambda: injected() or self.proc.poll() is not None)
            assert self.proc.poll() is None, f"the run ended early:\n{self.output()}"
        finally:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def rollback(self) -> str:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "undertow", "rollback", "execute", "--yes"),
                *("--versions-dir", str(self.versions), "--kubeconfig", self.kubeconfig),
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def cgroup(controller: str, pod: Any) -> Path:
    """The pod's cgroup (v1) directory for `controller`, whatever its QoS class."""
    for qos in ("besteffort", "burstable", ""):
        path = Path("/sys/fs/cgroup", controller, "kubepods", qos, f"pod{pod.metadata.uid}")
        if path.is_dir():
            return path
    raise AssertionError(f"no {controller} cgroup for pod {pod.metadata.name}")


def running_hogs(core: Any, namespace: str) -> list[Any]:
    pods = core.list_namespaced_pod(namespace, label_selector=HOG_LABEL).items
    return [p for p in pods if p.status.phase == "Running"]


def snapshot(core: Any, namespace: str) -> list[tuple[str, str]]:
    """The namespace's pods (name, uid): what a hog run must leave as it found it."""
    return sorted(
        (p.metadata.name, p.metadata.uid) for p in core.list_namespaced_pod(namespace).items
    )


def test_a_signalled_container_restarts_and_its_recovery_is_reported(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    create_ready(core, real_pod("victim", TRAPS_TERM, port=8080), namespace)
    scenario = {
        "scenarios": [
            {
                "name": "kill the victim",
                "namespace": namespace,
                "label_selector": "app=victim",
                "container_name": "main",
                "action": 15,
                "count": 1,
                "expected_recovery_time": 60,
            }
        ]
    }
    report = UndertowRun(tmp_path, kubeconfig, "container_scenarios", scenario).finish()
    status = core.read_namespaced_pod("victim", namespace).status.container_statuses[0]
    assert status.restart_count == 1 and status.ready
    assert status.last_state.terminated.exit_code == 143  # its own TERM handler exited
    kinds = [e["kind"] for e in report["events"]]
    assert "container.killed" in kinds
    [recovered] = [e for e in report["events"] if e["kind"] == "container.recovered"]
    assert recovered["data"]["container"] == f"{namespace}/victim/main"
    assert recovered["data"]["seconds"] > 0
    assert not list(tmp_path.glob("versions/*/*.py"))  # the record is gone once it passed


def test_a_signal_the_main_process_ignores_fails_the_scenario(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    """busybox httpd as pid 1 has no SIGTERM handler: the kernel drops the signal, nothing
    restarts, and the scenario fails saying why (Krkn reports success here)."""
    httpd = ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
    create_ready(core, real_pod("deaf", httpd, port=8080), namespace)
    scenario = {
        "scenarios": [
            {
                "namespace": namespace,
                "label_selector": "app=deaf",
                "action": "SIGTERM",
                "expected_recovery_time": 5,
            }
        ]
    }
    run = UndertowRun(tmp_path, kubeconfig, "container_scenarios", scenario)
    assert run.proc.wait(timeout=120) == 1, run.output()
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    [failed] = [e for e in report["events"] if e["kind"] == "recovery.failed"]
    assert "ignores signals it has no handler for" in failed["message"]
    assert (
        core.read_namespaced_pod("deaf", namespace).status.container_statuses[0].restart_count == 0
    )
    [listed] = directory.list_runs(run.versions, include_executed=True)
    assert listed.pending == [] and len(listed.executed) == 1  # the record, marked executed


def test_a_cpu_hog_burns_cpu_then_leaves_nothing(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    before = snapshot(core, namespace)
    scenario = {
        "hog-type": "cpu",
        "duration": 10,
        "namespace": namespace,
        "cpu-load-percentage": 50,
        "image": "quay.io/krkn-chaos/krkn-hog",  # mapped to the local tools image
        **ON_THE_REAL_NODE,
    }
    run = UndertowRun(tmp_path, kubeconfig, "hog_scenarios", scenario)
    [pod] = wait_for("the hog running", lambda: running_hogs(core, namespace))
    usage = cgroup("cpuacct", pod) / "cpuacct.usage"
    first, start = int(usage.read_text()), time.monotonic()
    time.sleep(3)
    used_ns, elapsed = int(usage.read_text()) - first, time.monotonic() - start
    # One worker asked for 50% of a CPU: it used at least a quarter of that over the interval.
    assert used_ns > 0.25 * 0.5 * elapsed * 1e9, (used_ns, elapsed)
    report = run.finish()
    assert report["passed"] == 1, run.output()
    wait_for("no hog pod left", lambda: not core.list_namespaced_pod(namespace).items)
    assert snapshot(core, namespace) == before


def test_a_memory_hog_holds_the_memory_asked_for(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    size = 64 * 1024 * 1024
    scenario = {
        "hog-type": "memory",
        "duration": 10,
        "namespace": namespace,
        "memory-vm-bytes": "64m",
        **ON_THE_REAL_NODE,
    }
    run = UndertowRun(tmp_path, kubeconfig, "hog_scenarios", scenario)
    [pod] = wait_for("the hog running", lambda: running_hogs(core, namespace))
    usage = cgroup("memory", pod) / "memory.usage_in_bytes"
    wait_for("the hog holds the memory", lambda: int(usage.read_text()) >= 0.9 * size)
    assert run.finish()["passed"] == 1, run.output()
    wait_for("no hog pod left", lambda: not core.list_namespaced_pod(namespace).items)


def test_an_io_hog_writes_to_its_volume_then_leaves_nothing(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    scenario = {
        "hog-type": "io",
        "duration": 6,
        "namespace": namespace,
        "io-block-size": "64k",
        "io-write-bytes": "8m",
        "io-target-pod-folder": "/hog-data",
        "io-target-pod-volume": {"name": "scratch", "emptyDir": {}},
        **ON_THE_REAL_NODE,
    }
    run = UndertowRun(tmp_path, kubeconfig, "hog_scenarios", scenario)
    [pod] = wait_for("the hog running", lambda: running_hogs(core, namespace))
    volume = (
        (node_dir(kubeconfig) / "kubelet" / "pods" / pod.metadata.uid / "volumes")
        / "kubernetes.io~empty-dir"
        / "scratch"
    )
    # stress-ng's hdd workers write (and at once unlink) their files in a directory of theirs.
    wait_for("stress-ng writing in the volume", lambda: list(volume.glob("tmp-stress-ng*")))
    assert run.finish()["passed"] == 1, run.output()
    wait_for("no hog pod left", lambda: not core.list_namespaced_pod(namespace).items)


def test_a_hog_killed_with_its_runner_ends_itself_and_rollback_removes_it(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    duration = 5
    scenario = {"hog-type": "cpu", "duration": duration, "namespace": namespace, **ON_THE_REAL_NODE}
    run = UndertowRun(tmp_path, kubeconfig, "hog_scenarios", scenario)
    run.kill_when(lambda: running_hogs(core, namespace))
    [listed] = directory.list_runs(run.versions)
    assert not listed.live and len(listed.pending) == 1
    # Nobody comes back: the pod's own timeout ends the fault.
    [pod] = core.list_namespaced_pod(namespace, label_selector=HOG_LABEL).items
    assert pod.spec.active_deadline_seconds == duration + EXPIRY_MARGIN
    ended = wait_for(
        "the hog pod in a terminal phase",
        lambda: (
            core.read_namespaced_pod(pod.metadata.name, namespace).status.phase
            in ("Succeeded", "Failed")
            and core.read_namespaced_pod(pod.metadata.name, namespace)
        ),
        deadline_s=duration + EXPIRY_MARGIN + 30,
    )
    assert ended.status.phase == "Succeeded"  # stress-ng stopped at --timeout
    run.rollback()
    wait_for("no hog pod left", lambda: not core.list_namespaced_pod(namespace).items)
    [listed] = directory.list_runs(run.versions, include_executed=True)
    assert listed.pending == [] and listed.executed


@pytest.fixture
def sample_workload(api_client: Any, core: Any) -> Iterator[list[dict[str, Any]]]:
    """examples/workload.yaml, Ready; removed afterwards."""
    from kubernetes import utils

    documents = [d for d in yaml.safe_load_all((EXAMPLES / "workload.yaml").read_text()) if d]
    for doc in documents:
        utils.create_from_dict(api_client, doc)
    try:
        wait_for(
            "the web pods Ready",
            lambda: (
                len(
                    [
                        p
                        for p in core.list_namespaced_pod(
                            "undertow-demo", label_selector="app=web"
                        ).items
                        if p.status.container_statuses and p.status.container_statuses[0].ready
                    ]
                )
                == 3
            ),
        )
        yield documents
    finally:
        core.delete_namespace("undertow-demo")
        wait_for(
            "undertow-demo gone",
            lambda: "undertow-demo" not in [n.metadata.name for n in core.list_namespace().items],
        )


def test_the_examples_plan_and_run_against_the_sample_workload(
    core: Any, sample_workload: Any, kubeconfig: str, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "scenarios": [
                    {"container_scenarios": [str(EXAMPLES / "container_kill.yaml")]},
                    {"hog_scenarios": [str(EXAMPLES / "memory_hog.yaml")]},
                ],
                "tunings": {"wait_duration": 0},
            }
        )
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    undertow = [
        sys.executable,
        "-m",
        "undertow",
        "run",
        "-c",
        str(config),
        "--kubeconfig",
        kubeconfig,
    ]
    plan = subprocess.run(
        [*undertow, "--dry-run"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "send SIGTERM (kill -15 1) to 1 of 3 running containers" in plan.stdout
    assert f"memory hog pod in undertow-demo on node {realnode.NODE_NAME}" in plan.stdout
    assert not core.list_namespaced_pod("undertow-demo", label_selector=HOG_LABEL).items

    done = subprocess.run(
        undertow, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pods = core.list_namespaced_pod("undertow-demo", label_selector="app=web").items
    assert sorted(p.status.container_statuses[0].restart_count for p in pods) == [0, 0, 1]
    wait_for(
        "no hog pod left",
        lambda: not core.list_namespaced_pod("undertow-demo", label_selector=HOG_LABEL).items,
    )
