"""Benchmark the rollback journal.

    python benchmarks/bench_journal.py [--kubeconfig PATH] [--changes 2000]
                                      [--files 1000,5000,10000] [--entries 100,500,1000]

2 and 3 run at each size given and report how their cost grows (slope, and the cost per
file at the largest size over that at the smallest).

1. Journal overhead per change: record + remove of one version file (the write-ahead cost a
   scenario pays per change), p50/p99 in ms. Target: p50 <= 2 ms on local disk.
2. `undertow rollback list --json` over 10,000 version files (wall time of the command,
   and of the listing function alone). Target: <= 1 s.
3. `undertow rollback execute` of 1,000 pending entries (ConfigMaps created through the
   journaled client by a run that then died) against the local cluster: wall time and peak
   RSS of the command. Target: <= 20 s, <= 200 MiB. A failed execute (non-zero exit, or
   any ConfigMap left behind) fails the benchmark with the command's output.

The cluster is the one behind --kubeconfig / UNDERTOW_BENCH_KUBECONFIG, else the local
cluster is started (`undertow cluster up`). Results are printed and written as JSON to
$UNDERTOW_BENCH_JSON or benchmarks/results/journal.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchlib import compile_sources, growth, write_json

HERE = Path(__file__).resolve().parent


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _data(name: str) -> dict[str, Any]:
    return {
        "action": "delete_created",
        "description": f"delete ConfigMap bench/{name} created by undertow",
        "target": {
            "api_version": "v1",
            "kind": "ConfigMap",
            "name": name,
            "namespace": "bench",
            "uid": None,
        },
        "labels": {"undertow.io/run-id": "bench", "undertow.io/entry": name},
    }


def bench_overhead(work: Path, changes: int) -> dict[str, Any]:
    from undertow.rollback.journal import Journal

    journal = Journal.open(work / "overhead", "overhead-run")
    timings = []
    for i in range(changes):
        start = time.perf_counter()
        entry = journal.record("pod_disruption_scenarios", _data(f"pod-{i}"))
        journal.remove(entry)
        timings.append((time.perf_counter() - start) * 1000)
    journal.close()
    return {
        "changes": changes,
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(_percentile(timings, 99), 3),
        "max_ms": round(max(timings), 3),
        "target_p50_ms": 2.0,
    }


def bench_list(work: Path, files: int) -> dict[str, Any]:
    from undertow.commands.rollback import rollback_list
    from undertow.rollback.journal import Journal

    versions = work / "list"
    runs = 10
    for r in range(runs):
        journal = Journal.open(versions, f"list-run-{r}")
        for i in range(files // runs):
            journal.record("hog_scenarios", _data(f"obj-{r}-{i}"))
        journal.close()
    start = time.perf_counter()
    listed = rollback_list(versions)
    function_s = time.perf_counter() - start
    assert sum(len(r.pending) for r in listed) == files
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "undertow",
            "rollback",
            "list",
            "--json",
            "--versions-dir",
            str(versions),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    command_s = time.perf_counter() - start
    assert sum(len(r["pending"]) for r in json.loads(proc.stdout)) == files
    return {
        "files": files,
        "function_s": round(function_s, 3),
        "command_s": round(command_s, 3),
        "target_s": 1.0,
    }


def _kubeconfig(explicit: str | None) -> str:
    found = explicit or os.environ.get("UNDERTOW_BENCH_KUBECONFIG")
    if found:
        return found
    from undertow import cluster

    return str(cluster.up(cluster.ClusterSpec(), progress=print).kubeconfig)


def bench_execute(work: Path, entries: int, kubeconfig: str) -> dict[str, Any]:
    from undertow.kube import connect
    from undertow.rollback import JournaledClient
    from undertow.rollback.journal import Journal

    api = connect(Path(kubeconfig))
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    api_ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    from undertow.kube import mutate

    mutate.create(api, api_ns)
    versions = work / "execute"
    journal = Journal.open(versions, str(uuid.uuid4()))
    client = JournaledClient(api, journal, "hog_scenarios")

    def make(i: int) -> None:
        client.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"cm-{i}", "namespace": namespace},
            }
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(entries)))
    journal._lock.release()  # the run dies: every entry stays pending
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "undertow",
            "rollback",
            "execute",
            "--yes",
            "--versions-dir",
            str(versions),
            "--kubeconfig",
            kubeconfig,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    left = api.list("v1", "ConfigMap", namespace, label_selector="app.kubernetes.io/managed-by")
    from undertow.kube import ObjectRef

    mutate.delete(api, ObjectRef("v1", "Namespace", namespace))
    api.close()
    if proc.returncode != 0 or left:
        raise RuntimeError(
            f"undertow rollback execute failed (exit {proc.returncode}, {len(left)} of "
            f"{entries} ConfigMaps left behind): its time measures nothing\n"
            + (proc.stdout + proc.stderr)[-4000:]
        )
    return {
        "entries": entries,
        "exit_code": proc.returncode,
        "summary": proc.stdout.strip().splitlines()[-1:] if proc.stdout else [],
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "left_behind": len(left),
        "per_entry_ms": round(seconds / entries * 1000, 2),
        "target_s": 20.0,
        "target_rss_mib": 200.0,
    }


def _sizes(text: str) -> list[int]:
    return sorted(int(n) for n in text.split(","))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kubeconfig")
    parser.add_argument("--changes", type=int, default=2000)
    parser.add_argument("--files", type=_sizes, default=[1000, 5000, 10000])
    parser.add_argument("--entries", type=_sizes, default=[100, 500, 1000])
    args = parser.parse_args()
    compile_sources()
    work = Path(tempfile.mkdtemp(prefix="bench-journal-", dir=Path.home()))
    try:
        results: dict[str, Any] = {"overhead": bench_overhead(work, args.changes)}
        print(f"journal overhead per change: {results['overhead']}", flush=True)
        results["list"] = [bench_list(work / f"list-{n}", n) for n in args.files]
        print(f"rollback list: {results['list']}", flush=True)
        kubeconfig = _kubeconfig(args.kubeconfig)
        results["execute"] = [
            bench_execute(work / f"execute-{n}", n, kubeconfig) for n in args.entries
        ]
        print(f"rollback execute: {results['execute']}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["growth"] = {
        "list_command_s_per_file": growth([(r["files"], r["command_s"]) for r in results["list"]]),
        "execute_s_per_entry": growth([(r["entries"], r["seconds"]) for r in results["execute"]]),
    }
    print(f"growth: {results['growth']}", flush=True)
    write_json("journal.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
