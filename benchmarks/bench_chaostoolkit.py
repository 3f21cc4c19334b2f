"""undertow and Chaos Toolkit (chaostoolkit-kubernetes) on the same experiments, alternated.

    python benchmarks/bench_chaostoolkit.py [--kubeconfig PATH] [--rounds 5]
                                            [--ctk-venv benchmarks/.venv-chaostoolkit]

Chaos Toolkit is installed from PyPI into its own virtualenv (the pinned versions in
benchmarks/chaostoolkit-requirements.txt) the first time. On a Deployment of 10 replicas:

1. Kill 3 of its pods and wait until it is fully available again (undertow: a Krkn
   pod_disruption_scenarios file; Chaos Toolkit: terminate_pods + deployment_fully_available).
2. Cut its ingress with a NetworkPolicy for 2 s and remove it (undertow: an
   application_outage file; Chaos Toolkit: create_network_policy, a pause, a rollback).
3. `--help` and validating the experiment (`undertow validate`, `chaos validate`).
4. SIGKILL of each tool in the middle of the outage: what is left, and what brings it back.

For 1 and 2 each tool's own work is its wall time minus the waits both must do (the
recovery wait each reports, the outage's duration); peak RSS comes from the kernel
(wait4). Targets: own work >= 2x faster, peak RSS <= Chaos Toolkit's, --help <= 0.5x.
Writes JSON to $UNDERTOW_BENCH_JSON or benchmarks/results/chaostoolkit.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import (
    HERE,
    BenchFailed,
    Measured,
    alternate,
    compile_sources,
    kubeconfig,
    run_measured,
    say,
    write_json,
)

REPLICAS = 10
KILL = 3
OUTAGE_S = 2
TARGETS = {"own_work_speedup": 2.0, "help_ratio": 0.5}


def ctk_venv(path: Path) -> Path:
    """The `chaos` command of a virtualenv with the pinned Chaos Toolkit (created if absent)."""
    chaos = path / "bin" / "chaos"
    if not chaos.exists():
        say(f"installing Chaos Toolkit into {path} (pip, a few minutes)")
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        requirements = HERE / "chaostoolkit-requirements.txt"
        subprocess.run(
            [str(path / "bin" / "pip"), "install", "-q", "-r", str(requirements)], check=True
        )
    return chaos


def deployment(namespace: str) -> dict[str, Any]:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [{"name": "web", "image": "nginx:1.27"}],
                    "tolerations": [{"operator": "Exists"}],
                },
            },
        },
    }


class Bench:
    """The namespace, the Deployment, and both tools' inputs for one benchmark run."""

    def __init__(self, kubeconfig_path: str, work: Path, chaos: Path) -> None:
        from undertow.kube import connect

        self.kubeconfig = kubeconfig_path
        self.work = work
        self.chaos = chaos
        self.namespace = f"bench-ctk-{uuid.uuid4().hex[:6]}"
        self.api = connect(Path(kubeconfig_path))
        self._create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
        )
        self._create(deployment(self.namespace))
        self.wait_available(120)
        self.env = {**os.environ, "KUBECONFIG": kubeconfig_path, "XDG_STATE_HOME": str(work)}
        self.undertow_kill = self._undertow_config("kill", "pod_disruption_scenarios", self._kill())
        self.undertow_outage = self._undertow_config(
            "outage", "application_outages_scenarios", self._outage()
        )
        self.ctk_kill = self._experiment("kill", self._ctk_kill())
        self.ctk_outage = self._experiment("outage", self._ctk_outage())

    def _create(self, manifest: dict[str, Any]) -> None:
        from undertow.kube import mutate

        mutate.create(self.api, manifest)

    def available(self) -> int:
        from undertow.kube import ObjectRef

        found = self.api.get(ObjectRef("apps/v1", "Deployment", "web", self.namespace))
        return int((found.get("status") or {}).get("availableReplicas") or 0)

    def wait_available(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.available() < REPLICAS:
            if time.monotonic() > deadline:
                raise BenchFailed(f"Deployment web not available again within {timeout:.0f} s")
            time.sleep(0.5)

    def policies(self) -> list[str]:
        found = self.api.list("networking.k8s.io/v1", "NetworkPolicy", self.namespace)
        return [p["metadata"]["name"] for p in found]

    # --- inputs ---------------------------------------------------------------------------

    def _kill(self) -> str:
        return (
            "- id: kill-pods\n  config:\n"
            f"    namespace_pattern: ^{self.namespace}$\n"
            "    label_selector: app=web\n"
            f"    kill: {KILL}\n"
            "    krkn_pod_recovery_time: 120\n"
        )

    def _outage(self) -> str:
        return (
            "application_outage:\n"
            f"  duration: {OUTAGE_S}\n"
            f"  namespace: {self.namespace}\n"
            "  pod_selector: {app: web}\n"
            "  block: [Ingress]\n"
        )

    def _undertow_config(self, name: str, scenario_type: str, scenario: str) -> Path:
        (self.work / f"{name}.yaml").write_text(scenario)
        config = self.work / f"{name}-config.yaml"
        config.write_text(
            f"kraken:\n  chaos_scenarios:\n    - {scenario_type}: [{name}.yaml]\n"
            "tunings: {wait_duration: 0}\n"
        )
        return config

    def _activity(self, kind: str, title: str, module: str, func: str, /, **args: Any) -> Any:
        provider = {"type": "python", "module": module, "func": func, "arguments": args}
        return {"type": kind, "name": title, "provider": provider}

    def _ctk_kill(self) -> dict[str, Any]:
        ns = self.namespace
        return {
            "method": [
                self._activity(
                    "action", "kill-web", "chaosk8s.pod.actions", "terminate_pods",
                    label_selector="app=web", ns=ns, qty=KILL, rand=True,
                ),
                self._activity(
                    "probe", "web-recovered", "chaosk8s.deployment.probes",
                    "deployment_fully_available", name="web", ns=ns, timeout=120,
                ),
            ]
        }  # fmt: skip

    def _ctk_outage(self) -> dict[str, Any]:
        ns = self.namespace
        policy = {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "ctk-outage"},
            "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]},
        }
        create = self._activity(
            "action", "cut-ingress", "chaosk8s.networking.actions", "create_network_policy",
            spec=policy, ns=ns,
        )  # fmt: skip
        create["pauses"] = {"after": OUTAGE_S}
        remove = self._activity(
            "action", "restore-ingress", "chaosk8s.networking.actions", "remove_network_policy",
            name="ctk-outage", ns=ns,
        )  # fmt: skip
        return {"method": [create], "rollbacks": [remove]}

    def _experiment(self, name: str, body: dict[str, Any]) -> Path:
        experiment = {
            "version": "1.0.0",
            "title": f"{name} on Deployment web",
            "description": "The same experiment undertow runs, for comparison.",
            **body,
        }
        path = self.work / f"{name}.json"
        path.write_text(json.dumps(experiment, indent=2))
        return path

    # --- runs -----------------------------------------------------------------------------

    def undertow(self, config: Path, tag: str) -> tuple[Measured, dict[str, Any]]:
        """One `undertow run`, measured, and its report."""
        reports = self.work / f"report-{tag}"
        run = run_measured(
            [sys.executable, "-m", "undertow", "run", "-c", str(config),
             "--kubeconfig", self.kubeconfig, "--report-dir", str(reports),
             "--versions-dir", str(self.work / "versions")],
            env=self.env, cwd=self.work,
        )  # fmt: skip
        if run.proc.returncode != 0:
            raise BenchFailed(
                f"undertow run exit {run.proc.returncode}:\n{run.proc.stdout[-3000:]}"
            )
        report: dict[str, Any] = json.loads((reports / "report.json").read_text())
        return run, report

    def chaostoolkit(self, experiment: Path, tag: str) -> tuple[Measured, dict[str, Any]]:
        """One `chaos run`, measured, and its journal."""
        journal = self.work / f"journal-{tag}.json"
        run = run_measured(
            [str(self.chaos), "--no-version-check", "run", "--journal-path", str(journal),
             str(experiment)],
            env=self.env, cwd=self.work,
        )  # fmt: skip
        result: dict[str, Any] = json.loads(journal.read_text()) if journal.exists() else {}
        if run.proc.returncode != 0 or result.get("status") != "completed":
            raise BenchFailed(f"chaos run exit {run.proc.returncode}:\n{run.proc.stdout[-3000:]}")
        return run, result

    def close(self) -> None:
        from undertow.kube import ObjectRef, mutate

        mutate.delete(self.api, ObjectRef("v1", "Namespace", self.namespace))
        self.api.close()


def _activity_seconds(journal: dict[str, Any], name: str) -> float:
    for run in journal.get("run", []):
        if run["activity"]["name"] == name:
            return float(run["duration"])
    raise BenchFailed(f"Chaos Toolkit's journal has no activity {name!r}")


Sample = tuple[float, float, float]
"""(own work s, CPU s, peak RSS MiB) of one tool run."""


def _pair(
    rounds: int, ours: Callable[[str], Sample], theirs: Callable[[str], Sample]
) -> dict[str, Any]:
    """Alternate the two tools; medians of own work and CPU, peak RSS, and the ratios."""
    counter = iter(range(10**6))
    a, b = alternate(
        rounds, lambda: [ours(f"u{next(counter)}")], lambda: [theirs(f"c{next(counter)}")]
    )
    own_u, own_c = (statistics.median(x[0] for x in s) for s in (a, b))
    cpu_u, cpu_c = (statistics.median(x[1] for x in s) for s in (a, b))
    rss_u, rss_c = (max(x[2] for x in s) for s in (a, b))
    return {
        "undertow_own_work_s": round(own_u, 3),
        "chaostoolkit_own_work_s": round(own_c, 3),
        "speedup": round(own_c / own_u, 2),
        "undertow_cpu_s": round(cpu_u, 3),
        "chaostoolkit_cpu_s": round(cpu_c, 3),
        "cpu_ratio": round(cpu_u / cpu_c, 2),
        "undertow_peak_rss_mib": round(rss_u, 1),
        "chaostoolkit_peak_rss_mib": round(rss_c, 1),
        "rounds": rounds,
    }


def pod_kill(bench: Bench, rounds: int) -> dict[str, Any]:
    def ours(tag: str) -> Sample:
        run, report = bench.undertow(bench.undertow_kill, tag)
        [scenario] = report["scenarios"]
        waited = float(scenario["metrics"].get("recovery_seconds") or 0.0)
        bench.wait_available(120)
        return run.wall_s - waited, run.cpu_s, run.peak_rss_mib

    def theirs(tag: str) -> Sample:
        run, journal = bench.chaostoolkit(bench.ctk_kill, tag)
        waited = _activity_seconds(journal, "web-recovered")
        bench.wait_available(120)
        return run.wall_s - waited, run.cpu_s, run.peak_rss_mib

    return {"killed_per_run": KILL, **_pair(rounds, ours, theirs)}


def outage(bench: Bench, rounds: int) -> dict[str, Any]:
    def check_clean() -> None:
        if left := bench.policies():
            raise BenchFailed(f"NetworkPolicies left after the outage: {left}")

    def ours(tag: str) -> Sample:
        run, _ = bench.undertow(bench.undertow_outage, tag)
        check_clean()
        return run.wall_s - OUTAGE_S, run.cpu_s, run.peak_rss_mib

    def theirs(tag: str) -> Sample:
        run, _ = bench.chaostoolkit(bench.ctk_outage, tag)
        check_clean()
        return run.wall_s - OUTAGE_S, run.cpu_s, run.peak_rss_mib

    return {"outage_s": OUTAGE_S, **_pair(rounds, ours, theirs)}


def _best_of(argv: list[str], runs: int, env: dict[str, str], cwd: Path) -> float:
    best = float("inf")
    for _ in range(runs):
        run = run_measured(argv, env=env, cwd=cwd)
        if run.proc.returncode != 0:
            raise BenchFailed(
                f"{' '.join(argv)} exit {run.proc.returncode}: {run.proc.stdout[-2000:]}"
            )
        best = min(best, run.wall_s)
    return best


def startup(bench: Bench, runs: int) -> dict[str, Any]:
    env, cwd = bench.env, bench.work
    undertow = [sys.executable, "-m", "undertow"]
    chaos = [str(bench.chaos), "--no-version-check"]
    results: dict[str, float] = {}
    for _ in range(runs):  # alternated: one of each per turn
        for name, argv in (
            ("undertow --help", [*undertow, "--help"]),
            ("chaos --help", [*chaos, "--help"]),
            ("undertow validate", [*undertow, "validate", "-c", str(bench.undertow_outage)]),
            ("chaos validate", [*chaos, "validate", str(bench.ctk_outage)]),
        ):
            results[name] = min(results.get(name, float("inf")), _best_of(argv, 1, env, cwd))
    return {
        **{f"{k} best_s": round(v, 3) for k, v in results.items()},
        "help_ratio": round(results["undertow --help"] / results["chaos --help"], 2),
        "validate_ratio": round(results["undertow validate"] / results["chaos validate"], 2),
    }


def _kill_mid_outage(argv: list[str], bench: Bench) -> list[str]:
    """Start a tool's outage, SIGKILL it once the policy is in place; the policies left."""
    proc = subprocess.Popen(
        argv, env=bench.env, cwd=bench.work, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while not bench.policies():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise BenchFailed(f"{argv[0]} never put its NetworkPolicy in place")
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return bench.policies()


def crash(bench: Bench) -> dict[str, Any]:
    """What each tool leaves when it is killed mid-outage, and what brings the cluster back."""
    versions = bench.work / "crash-versions"
    ours = _kill_mid_outage(
        [sys.executable, "-m", "undertow", "run", "-c", str(bench.undertow_outage),
         "--kubeconfig", bench.kubeconfig, "--versions-dir", str(versions)],
        bench,
    )  # fmt: skip
    restore = subprocess.run(
        [sys.executable, "-m", "undertow", "rollback", "execute", "--yes",
         "--versions-dir", str(versions), "--kubeconfig", bench.kubeconfig],
        env=bench.env, cwd=bench.work, capture_output=True, text=True, check=False,
    )  # fmt: skip
    after_ours = bench.policies()
    theirs = _kill_mid_outage([str(bench.chaos), "run", str(bench.ctk_outage)], bench)
    after_theirs = bench.policies()
    from undertow.kube import ObjectRef, mutate

    for name in after_theirs:  # nothing in Chaos Toolkit can take it off: the benchmark does
        mutate.delete(
            bench.api, ObjectRef("networking.k8s.io/v1", "NetworkPolicy", name, bench.namespace)
        )
    return {
        "undertow": {
            "left_after_sigkill": ours,
            "restored_by": "undertow rollback execute",
            "exit_code": restore.returncode,
            "left_after_restore": after_ours,
        },
        "chaostoolkit": {
            "left_after_sigkill": theirs,
            "restored_by": None,
            "left_after_restore": after_theirs,
            "note": "no record of the run survives a SIGKILL: its rollbacks never run",
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ctk-venv", type=Path, default=HERE / ".venv-chaostoolkit")
    args = parser.parse_args()
    compile_sources()
    chaos = ctk_venv(args.ctk_venv)
    with tempfile.TemporaryDirectory(prefix="bench-ctk-", dir=Path.home()) as tmp:
        bench = Bench(kubeconfig(args.kubeconfig), Path(tmp), chaos)
        try:
            results: dict[str, Any] = {"pod_kill": pod_kill(bench, args.rounds)}
            say(f"pod kill: {results['pod_kill']}")
            results["network_outage"] = outage(bench, args.rounds)
            say(f"network outage: {results['network_outage']}")
            results["startup"] = startup(bench, args.rounds)
            say(f"start-up: {results['startup']}")
            results["sigkill_mid_outage"] = crash(bench)
            say(f"SIGKILL mid-outage: {results['sigkill_mid_outage']}")
        finally:
            bench.close()
    kill, cut, start = results["pod_kill"], results["network_outage"], results["startup"]
    results["targets"] = TARGETS
    results["targets_met"] = {
        "pod_kill_speedup": kill["speedup"] >= TARGETS["own_work_speedup"],
        "outage_speedup": cut["speedup"] >= TARGETS["own_work_speedup"],
        "peak_rss": all(
            r["undertow_peak_rss_mib"] <= r["chaostoolkit_peak_rss_mib"] for r in (kill, cut)
        ),
        "help": start["help_ratio"] <= TARGETS["help_ratio"],
    }
    write_json("chaostoolkit.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
