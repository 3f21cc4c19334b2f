"""What the benchmarks share: the cluster they run on, peak memory of a child, alternation of
two measured variants, percentiles, machine facts and the JSON they write.

A benchmark never asserts a time. It raises `BenchFailed` when the operation it times did not
succeed (a rollback that left objects behind posts no time), so `run_all.py` shows it failed.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIB = 1024 * 1024
CLUSTER_NAME = "bench"
"""The local cluster the benchmarks start (kwok nodes only) when none is given."""
NODE_LEASE_S = 120
CLUSTER_ARGS = {
    "kwok": [
        f"--node-lease-duration-seconds={NODE_LEASE_S}",
        f"--config={HERE / 'kwok-pod-ready-again.yaml'}",
    ],
    "kube-controller-manager": [f"--node-monitor-grace-period={NODE_LEASE_S}s"],
}
"""Flags the benchmarks' local clusters start with (after the defaults, so they win). One
kwok process renews the leases of all 1,000 fake nodes; on a busy 2-core machine it fell
behind for some while 10,000 pods were being created, the node controller marked those nodes
NotReady and their pods not Ready, and kwok (whose pod stages only make Pending pods Ready)
never made them Ready again: the pod-kill set-up stalled short of its count. A longer lease
makes that rarer, and the `pod-ready-again` stage reports such pods Ready again once their
node is back, as a kubelet would: the benchmark measures undertow, not one process
heartbeating 1,000 nodes."""


class BenchFailed(RuntimeError):
    """The operation being timed did not do its job: its time is not a result."""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def compile_sources() -> None:
    """Byte-compile undertow's sources, as an installed package is (pip compiles at install
    time). An editable install in an environment with PYTHONDONTWRITEBYTECODE would compile
    every module on every start, and time that instead of undertow."""
    import compileall

    compileall.compile_dir(ROOT / "src", quiet=1)


def kubeconfig(explicit: str | None = None, *, nodes: int = 3) -> str:
    """--kubeconfig, else $UNDERTOW_BENCH_KUBECONFIG, else the local cluster `bench`
    (started with `nodes` kwok nodes, or reused if it is up)."""
    found = explicit or os.environ.get("UNDERTOW_BENCH_KUBECONFIG")
    if found:
        return found
    from undertow import cluster

    spec = cluster.ClusterSpec(name=CLUSTER_NAME, nodes=nodes, extra_args=CLUSTER_ARGS)
    return str(cluster.up(spec, progress=say).kubeconfig)


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def summary(values: Sequence[float], digits: int = 3) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), digits),
        "p99": round(percentile(values, 99), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


def alternate(
    rounds: int, first: Callable[[], list[float]], second: Callable[[], list[float]]
) -> tuple[list[float], list[float]]:
    """Run A B A B … `rounds` times each; machine drift then hits both variants alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.extend(first())
        b.extend(second())
    return a, b


@dataclass(frozen=True)
class Measured:
    """One finished command: its result, wall seconds, CPU seconds (user + system) and peak
    resident memory in MiB, the last two from the kernel's accounting of that process."""

    proc: subprocess.CompletedProcess[str]
    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def run_measured(
    argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Measured:
    """Run a command to its end and measure it (wait4 gives that process's own rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=cwd,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    done = subprocess.CompletedProcess(list(argv), proc.returncode, output, "")
    return Measured(done, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def machine() -> dict[str, Any]:
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "self_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def write_json(default_name: str, results: dict[str, Any]) -> Path:
    out = Path(os.environ.get("UNDERTOW_BENCH_JSON") or HERE / "results" / default_name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**results, "machine": machine()}, indent=2) + "\n")
    say(f"written: {out}")
    return out


def growth(points: Sequence[tuple[float, float]]) -> dict[str, float]:
    """How a cost grows with size: the least-squares slope (cost per unit), and the cost per
    unit at the largest size over that at the smallest (1 means linear, below 1 sub-linear)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0
    first, last = min(points), max(points)
    per_unit_ratio = (last[1] / last[0]) / (first[1] / first[0]) if first[1] else 0.0
    return {"slope_per_unit": round(slope, 6), "per_unit_cost_ratio": round(per_unit_ratio, 2)}
