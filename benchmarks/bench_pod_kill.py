"""Benchmark of pod disruption at three sizes: kill a tenth of 100 / 1,000 / 10,000 pods on
50 / 500 / 1,000 fake nodes, and how each cost grows.

    python benchmarks/bench_pod_kill.py [--kubeconfig PATH] [--sizes 100:50,1000:500,10000:1000]
                                        [--execution parallel] [--profile] [--keep]

The cluster is the one behind --kubeconfig / UNDERTOW_BENCH_KUBECONFIG, else a local cluster
named `bench-pod-kill`, started here and stopped at the end (unless --keep); kwok nodes are
added to reach each size's count (110 pods fit on one); it starts with the benchmarks'
longer node lease (`benchlib.CLUSTER_ARGS`). A set-up that stops growing for 10 minutes
fails with what holds it back (Pending pods, pods not Ready, nodes not Ready). --profile runs
the largest size once more under cProfile and records where undertow's time went.

The pods are Deployments in namespace `bench-pod-kill`. The kill is a real `undertow run` of a
Krkn pod_disruption_scenarios file (journal, events and report included); its numbers come
from the run's report.json, and undertow's peak RSS from the kernel's high-water mark
(VmHWM) of that process. Prints each figure against its target and writes JSON to
$UNDERTOW_BENCH_JSON or benchmarks/results/pod_kill.json.

Targets at the largest size: selection < 2 s, >= 150 kills/s, undertow's peak RSS <= 300
MiB, cost linear in pods. The time until every replacement is Running is reported (the
controllers, the scheduler and kwok set it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import CLUSTER_ARGS, BenchFailed, compile_sources, growth, say, write_json

HERE = Path(__file__).resolve().parent
NAMESPACE = "bench-pod-kill"
LABEL = "bench=pod-kill"
DEPLOYMENTS = 20
CLUSTER_NAME = "bench-pod-kill"
MIB = 1024 * 1024
TARGETS = {"selection_s": 2.0, "kills_per_s": 150.0, "peak_rss_mib": 300.0}


def deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name, "bench": "pod-kill"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
    }


def _ready(obj: dict[str, Any]) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def running_pods(api: Any) -> int:
    """Pods of the namespace that are Running and Ready, and not being deleted."""
    return sum(
        1
        for p in api.iter("v1", "Pod", NAMESPACE, LABEL, "status.phase=Running")
        if _ready(p) and not p["metadata"].get("deletionTimestamp")
    )


def why_not_ready(api: Any) -> str:
    """What holds the set-up back: pods by phase and readiness, nodes not Ready."""
    pending = running_unready = 0
    for pod in api.iter("v1", "Pod", NAMESPACE, LABEL):
        phase = (pod.get("status") or {}).get("phase")
        pending += phase == "Pending"
        running_unready += phase == "Running" and not _ready(pod)
    nodes_unready = sum(1 for node in api.list_nodes() if not _ready(node))
    return (
        f"{pending} Pending, {running_unready} Running but not Ready, "
        f"{nodes_unready} nodes not Ready"
    )


def wait_running(api: Any, pods: int, timeout: float, stall: float = 600) -> float:
    """Seconds until `pods` are Running and Ready; BenchFailed, saying why, if the count has
    not grown for `stall` seconds or `timeout` passed."""
    started = progressed = time.monotonic()
    best = 0
    while True:
        running = running_pods(api)
        now = time.monotonic()
        say(f"  {running}/{pods} pods Running and Ready ({now - started:.0f}s)")
        if running >= pods:
            return now - started
        if running > best:
            best, progressed = running, now
        if now - progressed > stall or now - started > timeout:
            raise BenchFailed(
                f"the set-up stalled: {running}/{pods} pods Running and Ready after "
                f"{now - started:.0f}s ({why_not_ready(api)})"
            )
        time.sleep(5)


def deploy(kubeconfig: str, pods: int) -> float:
    """Create (or resize) the Deployments; return seconds until all pods were Running."""
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    from undertow.kube import connect

    raw = config.new_client_from_config(config_file=kubeconfig)
    try:
        core: Any = client.CoreV1Api(raw)
        apps: Any = client.AppsV1Api(raw)
        try:
            core.create_namespace({"metadata": {"name": NAMESPACE}})
        except ApiException as exc:
            if exc.status != 409:
                raise
        per = pods // DEPLOYMENTS
        for i in range(DEPLOYMENTS):
            manifest = deployment(f"d{i:02d}", per + (1 if i < pods % DEPLOYMENTS else 0))
            try:
                apps.create_namespaced_deployment(NAMESPACE, manifest)
            except ApiException as exc:
                if exc.status != 409:
                    raise
                apps.patch_namespaced_deployment(manifest["metadata"]["name"], NAMESPACE, manifest)
    finally:
        raw.close()
    api = connect(Path(kubeconfig))
    try:
        return wait_running(api, pods, timeout=1800)
    finally:
        api.close()


def scenario_files(work: Path, kill: int, execution: str) -> Path:
    (work / "kill.yaml").write_text(
        "- id: kill-pods\n"
        "  config:\n"
        f"    namespace_pattern: ^{NAMESPACE}$\n"
        f"    label_selector: {LABEL}\n"
        f"    kill: {kill}\n"
        f"    execution: {execution}\n"
        "    duration: 1\n"
        "    krkn_pod_recovery_time: 1800\n"
        "    timeout: 1800\n"
    )
    config = work / "config.yaml"
    config.write_text(
        "kraken:\n  chaos_scenarios:\n    - pod_disruption_scenarios: [kill.yaml]\n"
        "tunings: {wait_duration: 0}\n"
    )
    return config


def high_water_mark(pid: int) -> int:
    """The kernel's peak resident set of a live process, in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_undertow(
    kubeconfig: str, work: Path, config: Path, profile: Path | None = None
) -> tuple[dict[str, Any], int, float]:
    """`undertow run` on the config (under cProfile into `profile` if given); returns
    (report, peak RSS bytes, wall seconds)."""
    undertow = [str(HERE / "profiled_undertow.py"), str(profile)] if profile else ["-m", "undertow"]
    reports = work / "report"
    log = work / "run.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                *undertow,
                "run",
                "-c",
                str(config),
                "--kubeconfig",
                kubeconfig,
                "--versions-dir",
                str(work / "versions"),
                "--report-dir",
                str(reports),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "XDG_STATE_HOME": str(work / "state")},
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, high_water_mark(proc.pid))
            time.sleep(0.1)
    wall = time.monotonic() - started
    report_file = reports / "report.json"
    if not report_file.exists():
        raise RuntimeError(
            f"undertow run wrote no report (exit {proc.returncode}):\n" + log.read_text()[-4000:]
        )
    report: dict[str, Any] = json.loads(report_file.read_text())
    say(log.read_text()[-3000:])
    return report, peak, wall


def bench(kubeconfig: str, pods: int, kill: int, execution: str) -> dict[str, Any]:
    from undertow.kube import connect

    say(f"deploying {pods} pods in {DEPLOYMENTS} Deployments")
    setup_s = deploy(kubeconfig, pods)
    with tempfile.TemporaryDirectory(prefix="undertow-bench-pod-kill-") as tmp:
        work = Path(tmp)
        config = scenario_files(work, kill, execution)
        say(f"undertow run: kill {kill} of {pods} pods ({execution})")
        report, peak, wall = run_undertow(kubeconfig, work, config)
    [scenario] = report["scenarios"]
    metrics = scenario["metrics"]
    if report["exit_code"] != 0 or int(metrics.get("killed", 0)) != kill:
        raise BenchFailed(f"the kill did not succeed: {scenario['summary']}")
    api = connect(Path(kubeconfig))
    try:
        running_after = running_pods(api)
        nodes = len(api.list_nodes())
    finally:
        api.close()
    return {
        "nodes": nodes,
        "pods": pods,
        "killed": kill,
        "execution": execution,
        "summary": scenario["summary"],
        "setup_all_running_s": round(setup_s, 1),
        "selection_s": round(metrics["selection_seconds"], 3),
        "kill_s": round(metrics["kill_seconds"], 2),
        "kills_per_s": round(metrics["kills_per_second"], 1),
        "all_replacements_running_s": (
            round(metrics["recovery_seconds"], 1) if "recovery_seconds" in metrics else None
        ),
        "running_after": running_after,
        "undertow_wall_s": round(wall, 1),
        "peak_rss_mib": round(peak / MIB, 1),
    }


def profile_kill(kubeconfig: str, kill: int, execution: str, top: int = 15) -> list[str]:
    """One more kill under cProfile: the functions with the most cumulative time."""
    import io
    import pstats

    with tempfile.TemporaryDirectory(prefix="undertow-bench-profile-") as tmp:
        work = Path(tmp)
        out = work / "profile.out"
        run_undertow(kubeconfig, work, scenario_files(work, kill, execution), profile=out)
        text = io.StringIO()
        stats = pstats.Stats(str(out), stream=text)
        stats.sort_stats("cumulative").print_stats("undertow", top)
    return [line.rstrip() for line in text.getvalue().splitlines() if "/undertow/" in line]


def grow_nodes(kubeconfig: str, nodes: int) -> None:
    from undertow.cluster.nodes import create_nodes, wait_nodes_ready

    say(f"making sure {nodes} kwok nodes exist")
    create_nodes(Path(kubeconfig), nodes, zones=3)
    wait_nodes_ready(Path(kubeconfig), nodes, deadline_s=1800)


def cluster_kubeconfig(explicit: str | None, nodes: int) -> tuple[str, bool]:
    """(kubeconfig, started here)."""
    given = explicit or os.environ.get("UNDERTOW_BENCH_KUBECONFIG")
    if given:
        return given, False
    from undertow import cluster

    spec = cluster.ClusterSpec(name=CLUSTER_NAME, nodes=nodes, zones=3, extra_args=CLUSTER_ARGS)
    info = cluster.up(spec, progress=say)
    return str(info.kubeconfig), not info.reused


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """ "100:50,1000:500" -> [(100, 50), (1000, 500)] as (pods, nodes), smallest first."""
    sizes = []
    for part in text.split(","):
        pods, _, nodes = part.partition(":")
        sizes.append((int(pods), int(nodes or max(1, int(pods) // 100))))
    return sorted(sizes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--sizes", default="100:50,1000:500,10000:1000", help="pods:nodes,...")
    parser.add_argument("--execution", choices=("parallel", "serial"), default="parallel")
    parser.add_argument("--profile", action="store_true", help="profile the largest size")
    parser.add_argument("--keep", action="store_true", help="leave the local cluster running")
    args = parser.parse_args()
    compile_sources()
    sizes = parse_sizes(args.sizes)

    kubeconfig, started = cluster_kubeconfig(args.kubeconfig, sizes[0][1])
    runs: list[dict[str, Any]] = []
    results: dict[str, Any] = {"sizes": runs}
    try:
        for pods, nodes in sizes:
            grow_nodes(kubeconfig, nodes)
            runs.append(bench(kubeconfig, pods, max(1, pods // 10), args.execution))
            say(f"{pods} pods on {nodes} nodes: {runs[-1]}")
        if args.profile:
            pods, _ = sizes[-1]
            results["profile_largest"] = profile_kill(
                kubeconfig, max(1, pods // 10), args.execution
            )
    finally:
        if started and not args.keep:
            from undertow import cluster

            cluster.down(CLUSTER_NAME, progress=say)
    largest = runs[-1]
    results["growth"] = {
        "selection_s_per_pod": growth([(r["pods"], r["selection_s"]) for r in runs]),
        "kill_s_per_killed_pod": growth([(r["killed"], r["kill_s"]) for r in runs]),
        "peak_rss_mib_per_pod": growth([(r["pods"], r["peak_rss_mib"]) for r in runs]),
    }
    results["targets"] = TARGETS
    results["targets_met"] = {
        "selection_s": largest["selection_s"] < TARGETS["selection_s"],
        "kills_per_s": largest["kills_per_s"] >= TARGETS["kills_per_s"],
        "peak_rss_mib": largest["peak_rss_mib"] <= TARGETS["peak_rss_mib"],
    }
    for r in runs:
        say(
            f"{r['pods']:>6} pods / {r['nodes']:>5} nodes: selection {r['selection_s']} s, "
            f"{r['kills_per_s']} kills/s, peak RSS {r['peak_rss_mib']} MiB"
        )
    say(f"growth: {results['growth']}")
    write_json("pod_kill.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
