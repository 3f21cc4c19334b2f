"""Start-up cost of the CLI: `undertow --help` (target < 0.2 s) and `undertow validate`
(never imports kubernetes), next to the bare interpreter and `import kubernetes.client`.

    python benchmarks/bench_startup.py [--runs N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import compile_sources

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def timed(argv: list[str], runs: int, cwd: Path | None = None) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False, cwd=cwd)
        samples.append(time.perf_counter() - start)
    return {
        "best_s": round(min(samples), 4),
        "median_s": round(statistics.median(samples), 4),
        "max_s": round(max(samples), 4),
    }


def imported_by_validate(config: Path, cwd: Path) -> list[str]:
    code = (
        "import sys\nfrom undertow.cli.app import main\n"
        f"try:\n    main(['validate', '-c', {str(config)!r}])\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'kubernetes', 'boto3', 'google'}))"
    )
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd=cwd, check=False)
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path, default=os.environ.get("UNDERTOW_BENCH_JSON"))
    args = parser.parse_args()
    compile_sources()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "s.yaml").write_text(
            "- id: kill-pods\n  config:\n    namespace_pattern: ^default$\n"
            "    label_selector: app=web\n"
        )
        config = work / "config.yaml"
        config.write_text(
            "kraken:\n  chaos_scenarios:\n    - pod_disruption_scenarios: [s.yaml]\n"
            "cerberus: {cerberus_enabled: false}\n"
        )
        results = {
            "python -c pass": timed([PY, "-c", "pass"], args.runs),
            "undertow --help": timed([PY, "-m", "undertow", "--help"], args.runs),
            "undertow validate (Krkn config, 1 scenario file)": timed(
                [PY, "-m", "undertow", "validate", "-c", str(config)], args.runs, cwd=work
            ),
            "python -c 'import kubernetes.client'": timed(
                [PY, "-c", "import kubernetes.client"], max(3, args.runs // 3)
            ),
        }
        heavy = imported_by_validate(config, work)
    help_best = results["undertow --help"]["best_s"]
    report = {
        "benchmark": "startup",
        "runs": args.runs,
        "results": results,
        "validate_imports_heavy_modules": heavy,
        "help_target_s": 0.2,
        "help_within_target": help_best < 0.2,
        "load_average": os.getloadavg(),
    }
    for name, numbers in results.items():
        print(f"{name:55s} best {numbers['best_s']:.3f}s  median {numbers['median_s']:.3f}s")
    print(f"validate imported heavy modules: {heavy or 'none'}")
    print(
        f"`undertow --help` best {help_best:.3f}s (target < 0.2 s): "
        f"{'ok' if help_best < 0.2 else 'OVER'}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
