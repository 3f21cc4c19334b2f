"""Benchmark of pod disruption at scale: kill 1,000 pods among 10,000 on 500 fake nodes.

    python benchmarks/bench_pod_kill.py [--kubeconfig PATH] [--nodes 500] [--pods 10000]
                                        [--kill 1000] [--execution parallel] [--keep]

The cluster is the one behind --kubeconfig / UNDERTOW_BENCH_KUBECONFIG (it must have enough
nodes for the pods: 110 pods per kwok node), else a local cluster named `bench-pod-kill` with
--nodes kwok nodes, started here and stopped at the end (unless --keep).

The pods are Deployments in namespace `bench-pod-kill`. The kill is a real `undertow run` of a
Krkn pod_disruption_scenarios file (journal, events and report included); its numbers come
from the run's report.json, and undertow's peak RSS from the kernel's high-water mark
(VmHWM) of that process. Prints each figure against its target and writes JSON to
$UNDERTOW_BENCH_JSON or benchmarks/results/pod_kill.json.

Targets: selection < 2 s, >= 100 kills/s, undertow's peak RSS <= 300 MiB. The time until
every replacement is Running is reported (the controllers, the scheduler and kwok set it).
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

HERE = Path(__file__).resolve().parent
NAMESPACE = "bench-pod-kill"
LABEL = "bench=pod-kill"
DEPLOYMENTS = 20
CLUSTER_NAME = "bench-pod-kill"
MIB = 1024 * 1024
TARGETS = {"selection_s": 2.0, "kills_per_s": 100.0, "peak_rss_mib": 300.0}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def _ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def running_pods(api: Any) -> int:
    """Pods of the namespace that are Running and Ready, and not being deleted."""
    return sum(
        1
        for p in api.iter("v1", "Pod", NAMESPACE, LABEL, "status.phase=Running")
        if _ready(p) and not p["metadata"].get("deletionTimestamp")
    )


def wait_running(api: Any, pods: int, timeout: float) -> float:
    started = time.monotonic()
    while True:
        running = running_pods(api)
        elapsed = time.monotonic() - started
        say(f"  {running}/{pods} pods Running and Ready ({elapsed:.0f}s)")
        if running >= pods:
            return elapsed
        if elapsed > timeout:
            raise RuntimeError(f"only {running}/{pods} pods Ready after {timeout:.0f}s")
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


def run_undertow(kubeconfig: str, work: Path, config: Path) -> tuple[dict[str, Any], int, float]:
    """`undertow run` on the config; returns (report, peak RSS bytes, wall seconds)."""
    reports = work / "report"
    log = work / "run.log"
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "undertow",
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
    api = connect(Path(kubeconfig))
    try:
        running_after = running_pods(api)
        nodes = len(api.list_nodes())
    finally:
        api.close()
    killed = int(metrics.get("killed", 0))
    return {
        "nodes": nodes,
        "pods": pods,
        "killed": killed,
        "execution": execution,
        "exit_code": report["exit_code"],
        "status": scenario["status"],
        "summary": scenario["summary"],
        "setup_all_running_s": round(setup_s, 1),
        "selection_s": round(metrics["selection_seconds"], 3),
        "kill_s": round(metrics["kill_seconds"], 2),
        "kills_per_s": round(metrics["kills_per_second"], 1),
        "all_replacements_running_s": (
            round(metrics["recovery_seconds"], 1) if "recovery_seconds" in metrics else None
        ),
        "slowest_pod_recovery_s": (
            round(metrics["max_pod_recovery_seconds"], 1)
            if "max_pod_recovery_seconds" in metrics
            else None
        ),
        "running_after": running_after,
        "undertow_wall_s": round(wall, 1),
        "peak_rss_mib": round(peak / MIB, 1),
    }


def cluster_kubeconfig(explicit: str | None, nodes: int) -> tuple[str, bool]:
    """(kubeconfig, started here)."""
    given = explicit or os.environ.get("UNDERTOW_BENCH_KUBECONFIG")
    if given:
        return given, False
    from undertow import cluster

    info = cluster.up(cluster.ClusterSpec(name=CLUSTER_NAME, nodes=nodes, zones=3), progress=say)
    return str(info.kubeconfig), not info.reused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--kill", type=int, default=1_000)
    parser.add_argument("--execution", choices=("parallel", "serial"), default="parallel")
    parser.add_argument("--keep", action="store_true", help="leave the local cluster running")
    args = parser.parse_args()

    kubeconfig, started = cluster_kubeconfig(args.kubeconfig, args.nodes)
    try:
        results = bench(kubeconfig, args.pods, args.kill, args.execution)
    finally:
        if started and not args.keep:
            from undertow import cluster

            cluster.down(CLUSTER_NAME, progress=say)
    results["cpus"] = os.cpu_count()
    results["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    results["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["targets"] = TARGETS
    results["targets_met"] = {
        "selection_s": results["selection_s"] < TARGETS["selection_s"],
        "kills_per_s": results["kills_per_s"] >= TARGETS["kills_per_s"],
        "peak_rss_mib": results["peak_rss_mib"] <= TARGETS["peak_rss_mib"],
    }
    say(f"selection of {args.kill} among {args.pods}: {results['selection_s']}s (target < 2 s)")
    say(f"kill throughput: {results['kills_per_s']} pods/s (target >= 100)")
    say(f"all replacements Running after {results['all_replacements_running_s']}s")
    say(f"undertow peak RSS: {results['peak_rss_mib']} MiB (target <= 300 MiB)")
    out = Path(os.environ.get("UNDERTOW_BENCH_JSON") or HERE / "results" / "pod_kill.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    say(f"written to {out}")
    return 0 if results["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
