"""node_scenarios' kubelet actions on the real node (no systemd here: the kubelet process is
frozen and thawed), proven by their effect: the kubelet process is stopped (state T), the
node goes NotReady, then Ready again with no helper pod left and the node as it was. A run
killed with SIGKILL while the kubelet is stopped leaves its version files; `rollback execute`
waits for the helper's own timer and ends with the node Ready and no helper pod. A node
crash is refused on the real node (it runs on this machine's kernel) before any change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from real_pods import wait_for
from test_real_faults import REPO, UndertowRun

from undertow.cluster import realnode
from undertow.rollback import directory

HELPERS = "undertow.io/fault=kubelet"


def kubelet_state() -> str:
    """The state letter of the real node's kubelet process (`T` while frozen)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() != "kubelet":
                continue
            args = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if f"--hostname-override={realnode.NODE_NAME}".encode() in args:
            return next(
                line.split()[1] for line in status.splitlines() if line.startswith("State:")
            )
    raise AssertionError("no kubelet process for the real node")


def node_as_it_was(core: Any) -> tuple[Any, ...]:
    """What a kubelet stop must leave as it found it: Ready, labels, taints, schedulability."""
    node = core.read_node(realnode.NODE_NAME)
    ready = next(c.status for c in node.status.conditions if c.type == "Ready")
    taints = sorted((t.key, t.value, t.effect) for t in node.spec.taints or [])
    return ready, sorted(node.metadata.labels.items()), taints, node.spec.unschedulable


def helpers(core: Any) -> list[Any]:
    return core.list_pod_for_all_namespaces(label_selector=HELPERS).items


def scenario(actions: list[str], duration: int, timeout: int, **extra: Any) -> dict[str, Any]:
    entry = {"actions": actions, "node_name": realnode.NODE_NAME, "duration": duration}
    return {"node_scenarios": [{**entry, "timeout": timeout, **extra}]}


def test_the_dry_run_plans_the_kubelet_stop_and_changes_nothing(
    core: Any, kubeconfig: str, tmp_path: Path
) -> None:
    before = node_as_it_was(core)
    (tmp_path / "config.yaml").write_text(
        "kraken:\n  chaos_scenarios:\n"
        f"    - node_scenarios: [{REPO / 'examples' / 'kubelet_stop.yaml'}]\n"
    )
    done = subprocess.run(
        [
            *(sys.executable, "-m", "undertow", "run", "-c", str(tmp_path / "config.yaml")),
            *("--kubeconfig", kubeconfig, "--versions-dir", str(tmp_path / "versions")),
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    plan = " ".join(done.stdout.split())
    assert (
        f"[0] nodes {realnode.NODE_NAME} via local (e.g. {realnode.NODE_NAME}), one node at a "
        "time: stop the kubelet from a privileged helper pod (systemctl, or SIGSTOP/SIGCONT of "
        "the kubelet process without systemd; NotReady within 60s), start it again after 60s "
        "(Ready within 60s)" in plan
    )
    assert node_as_it_was(core) == before and not helpers(core)
    assert not list(tmp_path.glob("versions/*/*"))


def test_a_stopped_kubelet_makes_the_node_not_ready_then_ready_again(
    core: Any, kubeconfig: str, tmp_path: Path
) -> None:
    before = node_as_it_was(core)
    # The node goes NotReady only after the node-monitor grace period (40 s here).
    run = UndertowRun(
        tmp_path, kubeconfig, "node_scenarios", scenario(["stop_start_kubelet"], 60, 60)
    )
    wait_for("the kubelet frozen", lambda: kubelet_state() == "T" or run.proc.poll() is not None)
    report = run.finish()
    kinds = [e["kind"] for e in report["events"] if e["kind"].startswith(("node.", "kubelet."))]
    assert kinds == ["kubelet.stopped", "node.down", "node.back", "kubelet.started"]
    assert kubelet_state() != "T"
    assert node_as_it_was(core) == before
    assert not helpers(core)
    assert not list(tmp_path.glob("versions/*/*.py"))


def test_a_killed_kubelet_stop_is_undone_by_rollback(
    core: Any, kubeconfig: str, tmp_path: Path
) -> None:
    before = node_as_it_was(core)
    run = UndertowRun(
        tmp_path, kubeconfig, "node_scenarios", scenario(["stop_start_kubelet"], 15, 60)
    )
    run.kill_when(lambda: kubelet_state() == "T")
    [listed] = directory.list_runs(run.versions)
    assert len(listed.pending) == 2  # the helper pod, the kubelet stop
    # the stop: helper deleted, node Ready again; then the helper pod: already gone
    assert run.rollback() == "rollback: 1 already restored, 1 restored\n"
    assert kubelet_state() != "T"
    assert node_as_it_was(core) == before
    assert not helpers(core)


def test_a_node_crash_is_refused_on_the_real_node_before_any_change(
    core: Any, kubeconfig: str, tmp_path: Path
) -> None:
    body = scenario(["node_crash"], 1, 30, allow_irreversible=True)
    run = UndertowRun(tmp_path, kubeconfig, "node_scenarios", body)
    assert run.proc.wait(timeout=120) == 1, run.output()
    assert "runs on this machine's kernel" in " ".join(run.output().split())
    assert not core.list_pod_for_all_namespaces(label_selector="undertow.io/fault=node-crash").items
    assert not list(tmp_path.glob("versions/*/*.py*"))
