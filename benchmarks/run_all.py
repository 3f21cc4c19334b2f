"""Run every benchmark in benchmarks/ (bench_*.py) on one cluster, print one table, and write
`benchmarks/results/<date>.json` with the machine's facts.

    python benchmarks/run_all.py [--only floors] [--skip cluster] [--kubeconfig PATH]
                                 [--quick] [--keep] [--out benchmarks/results]

The cluster is --kubeconfig / $UNDERTOW_BENCH_KUBECONFIG, else the local cluster `bench`
(kwok nodes only; started here, or reused if it is up, and stopped at the end if started here
unless --keep). Each benchmark gets `UNDERTOW_BENCH_JSON=<out>/<name>.json`. --quick runs
small sizes (minutes, for checking the benchmarks themselves; its figures mean little).

Benchmarks never fail on a slow machine; one whose timed operation failed exits non-zero,
and so does this script (the table marks it FAILED and shows no figure for it).
`--markdown FILE` also writes the table as Markdown (docs/performance.md takes it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import CLUSTER_ARGS, CLUSTER_NAME, HERE, compile_sources, machine, say
from tables import Row, markdown, rows_of

QUICK_ARGS = {
    "floors": ["--rounds", "3", "--writes", "20", "--kills", "50", "--restores", "50"],
    "chaostoolkit": ["--rounds", "1"],
    "pod_kill": ["--sizes", "50:3,100:3,200:3"],
    "journal": ["--changes", "100", "--files", "100,300,1000", "--entries", "20,50,100"],
    "startup": ["--runs", "3"],
    "cluster": ["--skip-scale", "--skip-real-node"],
}


def bench_names() -> list[str]:
    return [p.stem.removeprefix("bench_") for p in sorted(HERE.glob("bench_*.py"))]


def run_one(name: str, out: Path, env: dict[str, str], quick: bool) -> dict[str, Any]:
    target = out / f"{name}.json"
    target.unlink(missing_ok=True)
    argv = [sys.executable, str(HERE / f"bench_{name}.py")]
    if quick:
        argv += QUICK_ARGS.get(name, [])
    if name == "cluster":
        argv += ["--out", str(target)]
    say(f"==> {name}: {' '.join(argv[1:])}")
    start = time.perf_counter()
    proc = subprocess.run(argv, env={**env, "UNDERTOW_BENCH_JSON": str(target)}, check=False)
    entry: dict[str, Any] = {
        "exit_code": proc.returncode,
        "seconds": round(time.perf_counter() - start, 1),
    }
    if proc.returncode == 0 and target.exists():
        entry["results"] = json.loads(target.read_text())
    return entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", default=[], help="bench name, e.g. floors")
    parser.add_argument("--skip", action="append", default=[], help="bench name to leave out")
    parser.add_argument("--kubeconfig")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the benches")
    parser.add_argument("--keep", action="store_true", help="leave the local cluster running")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown")
    args = parser.parse_args()
    compile_sources()
    names = [n for n in bench_names() if (not args.only or n in args.only) and n not in args.skip]
    args.out.mkdir(parents=True, exist_ok=True)

    kubeconfig = args.kubeconfig or os.environ.get("UNDERTOW_BENCH_KUBECONFIG")
    started = False
    if not kubeconfig:
        from undertow import cluster

        spec = cluster.ClusterSpec(name=CLUSTER_NAME, extra_args=CLUSTER_ARGS)
        info = cluster.up(spec, progress=say)
        kubeconfig, started = str(info.kubeconfig), not info.reused
    env = {**os.environ, "UNDERTOW_BENCH_KUBECONFIG": kubeconfig}
    summary: dict[str, Any] = {"machine": machine(), "quick": args.quick, "benchmarks": {}}
    try:
        for name in names:
            summary["benchmarks"][name] = run_one(name, args.out, env, args.quick)
    finally:
        if started and not args.keep:
            from undertow import cluster

            cluster.down(CLUSTER_NAME, progress=say)
    summary["machine_after"] = machine()

    rows: list[Row] = []
    failed = []
    for name, entry in summary["benchmarks"].items():
        if "results" not in entry:
            failed.append(name)
            rows.append((name, "FAILED", f"exit {entry['exit_code']}", "", "NO"))
        else:
            rows += rows_of(name, entry["results"])
    summary["table"] = rows
    dated = args.out / f"{time.strftime('%Y-%m-%d', time.gmtime())}.json"
    dated.write_text(json.dumps(summary, indent=2) + "\n")
    print_table(rows)
    if args.markdown:
        args.markdown.write_text(markdown(rows))
    load = summary["machine"]["load_average_1_5_15"]
    print(f"machine: {summary['machine']['cpus']} CPUs, load average at start {load}")
    print(f"written: {dated}")
    if failed:
        print(f"FAILED (their timed operation did not succeed): {', '.join(failed)}")
    return 1 if failed else 0


def print_table(rows: list[Row]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="undertow benchmarks")
    for column in ("benchmark", "measure", "result", "target", "met"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(width=160).print(table)


if __name__ == "__main__":
    sys.exit(main())
