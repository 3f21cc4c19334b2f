"""Run every benchmark in benchmarks/ (bench_*.py) and write one JSON summary.

    python benchmarks/run_all.py [--only startup] [--out benchmarks/results]

Each benchmark gets `UNDERTOW_BENCH_JSON=<out>/<name>.json` in its environment (and may write
its numbers there); its exit code, wall time and output tail are recorded in
`<out>/summary.json` either way.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", default=[], help="bench name, e.g. startup")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, object] = {}
    failed = False
    for script in sorted(HERE.glob("bench_*.py")):
        name = script.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        target = args.out / f"{name}.json"
        env = {**os.environ, "UNDERTOW_BENCH_JSON": str(target)}
        print(f"==> {script.name}", flush=True)
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, check=False
        )
        elapsed = time.perf_counter() - start
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr[-4000:])
        entry: dict[str, object] = {
            "exit_code": proc.returncode,
            "seconds": round(elapsed, 2),
            "output_tail": proc.stdout.splitlines()[-20:],
        }
        if target.exists():
            entry["results"] = json.loads(target.read_text())
        summary[name] = entry
        failed = failed or proc.returncode != 0
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"summary: {args.out / 'summary.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
