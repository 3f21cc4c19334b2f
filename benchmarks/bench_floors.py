"""undertow against the raw floors under it, each pair alternated (A B A B …) in one run.

    python benchmarks/bench_floors.py [--kubeconfig PATH] [--rounds 10] [--writes 100]
                                      [--kills 200] [--restores 100]

1. Journal record + discard of one version file vs the bare durable-write protocol (temp file
   + fdatasync + rename + directory fsync, then unlink + directory fsync) of the same bytes in
   the same directory, alternated write by write. Target: journal p50 <= 1.2x the floor's.
2. Pod deletions through the journaled client (snapshot written before each delete) vs the
   same deletions through the plain client, 32 in flight as undertow's parallel kill does.
   Target: journaled throughput >= 0.8x plain.
3. `rollback execute` recreating deleted ConfigMaps from their snapshots (a dead run's
   entries) vs plain sequential creates of the same ConfigMaps. Target: >= 0.8x.

The cluster is --kubeconfig / $UNDERTOW_BENCH_KUBECONFIG, else the local cluster `bench`.
Writes JSON to $UNDERTOW_BENCH_JSON or benchmarks/results/floors.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchlib import BenchFailed, alternate, compile_sources, kubeconfig, say, summary, write_json

IN_FLIGHT = 32
TARGETS = {"journal_over_floor_p50": 1.2, "kill_ratio": 0.8, "execute_ratio": 0.8}


# --- 1. journal vs the durable-write floor -------------------------------------------------


def _floor_write(directory: Path, name: str, data: bytes) -> None:
    from undertow.rollback.durable import fsync_dir

    temp = directory / f".tmp-{name}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fdatasync(fd)
    finally:
        os.close(fd)
    os.rename(temp, directory / name)
    fsync_dir(directory)
    os.unlink(directory / name)
    fsync_dir(directory)


def _undo_data(name: str) -> dict[str, Any]:
    return {
        "action": "delete_created",
        "description": f"delete ConfigMap bench/{name} created by undertow",
        "target": {"api_version": "v1", "kind": "ConfigMap", "name": name, "namespace": "bench"},
        "labels": {"undertow.io/run-id": "bench", "undertow.io/entry": name},
    }


def journal_vs_floor(work: Path, rounds: int, per_round: int) -> dict[str, Any]:
    from undertow.rollback.journal import Journal

    journal = Journal.open(work / "journal", "floor-run")
    sample = journal.record("pod_disruption_scenarios", _undo_data("sample"))
    data = sample.path.read_bytes()
    journal.remove(sample)
    counter = iter(range(10**9))

    def with_journal() -> list[float]:
        start = time.perf_counter()
        entry = journal.record("pod_disruption_scenarios", _undo_data(f"pod-{next(counter)}"))
        journal.remove(entry)
        return [(time.perf_counter() - start) * 1000]

    def floor() -> list[float]:
        start = time.perf_counter()
        _floor_write(journal.context, f"floor-{next(counter)}.py", data)
        return [(time.perf_counter() - start) * 1000]

    try:
        journaled, bare = alternate(rounds * per_round, with_journal, floor)
    finally:
        journal.close()
    a, b = summary(journaled), summary(bare)
    return {
        "operations_each": len(journaled),
        "file_bytes": len(data),
        "journal_ms": a,
        "floor_ms": b,
        "ratio_p50": round(a["p50"] / b["p50"], 2),
        "target_ratio_max": TARGETS["journal_over_floor_p50"],
    }


# --- 2 and 3: against the plain client ------------------------------------------------------


def _pool_map(call: Callable[[Any], Any], items: list[Any], workers: int) -> None:
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(call, items):
            pass


def _pod(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"bench": "floors"}},
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.27"}],
            "tolerations": [{"operator": "Exists"}],
        },
    }


def _config_map(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "labels": {"bench": "floors"}},
        "data": {"key": "value " * 20},
    }


class Cluster:
    """The namespace the client comparisons work in, and the plain client's calls."""

    def __init__(self, kubeconfig_path: str, work: Path) -> None:
        from undertow.kube import connect

        self.kubeconfig = Path(kubeconfig_path)
        self.api = connect(self.kubeconfig)
        self.work = work
        self.namespace = f"bench-floors-{uuid.uuid4().hex[:6]}"
        self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}})

    def create(self, manifest: dict[str, Any]) -> dict[str, Any]:
        from undertow.kube import mutate

        return mutate.create(self.api, manifest)

    def delete(self, obj: dict[str, Any]) -> None:
        from undertow.kube import ObjectRef, mutate

        mutate.delete(self.api, ObjectRef.of(obj))

    def count(self, kind: str) -> int:
        return len(self.api.list("v1", kind, self.namespace, label_selector="bench=floors"))

    def objects(self, make: Callable[[str, str], dict[str, Any]], prefix: str, n: int) -> list[Any]:
        names = [f"{prefix}-{i}" for i in range(n)]
        created: list[dict[str, Any]] = []
        _pool_map(lambda name: created.append(self.create(make(name, self.namespace))), names, 16)
        return created

    def close(self) -> None:
        from undertow.kube import ObjectRef, mutate

        mutate.delete(self.api, ObjectRef("v1", "Namespace", self.namespace))
        self.api.close()


def kills(cluster: Cluster, rounds: int, per_round: int) -> dict[str, Any]:
    from undertow.kube import ObjectRef
    from undertow.rollback import JournaledClient
    from undertow.rollback.journal import Journal

    journal = Journal.open(cluster.work / "kills", "kill-run")
    client = JournaledClient(cluster.api, journal, "pod_disruption_scenarios")
    batch = iter(range(10**6))

    def timed_deletions(delete: Callable[[dict[str, Any]], None]) -> list[float]:
        pods = cluster.objects(_pod, f"p{next(batch)}", per_round)
        start = time.perf_counter()
        _pool_map(delete, pods, IN_FLIGHT)
        rate = per_round / (time.perf_counter() - start)
        return [rate]

    def journaled() -> list[float]:
        return timed_deletions(lambda pod: client.delete(ObjectRef.of(pod), current=pod) and None)

    def plain() -> list[float]:
        return timed_deletions(cluster.delete)

    try:
        with_journal, without = alternate(rounds, journaled, plain)
    finally:
        journal.close()
    deadline = time.monotonic() + 120
    while (left := cluster.count("Pod")) and time.monotonic() < deadline:
        time.sleep(1)
    if left:
        raise BenchFailed(f"{left} deleted pods are still there after 120 s")
    return {
        "pods_per_round": per_round,
        "rounds": rounds,
        "in_flight": IN_FLIGHT,
        **_throughputs(("journaled_pods_per_s", with_journal), ("plain_pods_per_s", without)),
        "target_ratio_min": TARGETS["kill_ratio"],
    }


def _throughputs(ours: tuple[str, list[float]], plain: tuple[str, list[float]]) -> dict[str, Any]:
    """Both variants' rates summarised under their names, and the ratio of their medians."""
    a, b = summary(ours[1], 1), summary(plain[1], 1)
    return {ours[0]: a, plain[0]: b, "ratio_p50": round(a["p50"] / b["p50"], 2)}


def restores(cluster: Cluster, rounds: int, per_round: int) -> dict[str, Any]:
    from undertow.commands.rollback import rollback_execute
    from undertow.kube import ObjectRef, connect
    from undertow.rollback import JournaledClient
    from undertow.rollback.journal import Journal

    batch = iter(range(10**6))

    def execute() -> list[float]:
        objects = cluster.objects(_config_map, f"r{next(batch)}", per_round)
        versions = cluster.work / f"restore-{uuid.uuid4().hex[:6]}"
        journal = Journal.open(versions, str(uuid.uuid4()))
        client = JournaledClient(cluster.api, journal, "pod_disruption_scenarios")
        for obj in objects:
            client.delete(ObjectRef.of(obj), restore=True, current=obj)
        journal._lock.release()  # the run dies with every entry pending
        start = time.perf_counter()
        result = rollback_execute(versions, lambda: connect(cluster.kubeconfig))
        rate = per_round / (time.perf_counter() - start)
        done = sum(1 for o in result.report.outcomes if o.resolved)
        if not result.complete or done < per_round:
            why = result.report.why_incomplete() or f"{done} entries executed"
            raise BenchFailed(f"rollback execute did not restore all {per_round}: {why}")
        return [rate]

    def plain() -> list[float]:
        names = [f"c{next(batch)}-{i}" for i in range(per_round)]
        start = time.perf_counter()
        for name in names:
            cluster.create(_config_map(name, cluster.namespace))
        return [per_round / (time.perf_counter() - start)]

    executed, created = alternate(rounds, execute, plain)
    expected = 2 * rounds * per_round
    if (found := cluster.count("ConfigMap")) != expected:
        raise BenchFailed(f"{found} ConfigMaps where {expected} were restored or created")
    return {
        "objects_per_round": per_round,
        "rounds": rounds,
        **_throughputs(("execute_objects_per_s", executed), ("plain_creates_per_s", created)),
        "target_ratio_min": TARGETS["execute_ratio"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--writes", type=int, default=100, help="journal writes per round")
    parser.add_argument("--kills", type=int, default=200, help="pods deleted per round")
    parser.add_argument("--restores", type=int, default=100, help="objects restored per round")
    args = parser.parse_args()
    compile_sources()
    with tempfile.TemporaryDirectory(prefix="bench-floors-", dir=Path.home()) as tmp:
        work = Path(tmp)
        os.environ["XDG_CONFIG_HOME"] = str(work / "config")  # a journal key of its own
        results: dict[str, Any] = {"journal": journal_vs_floor(work, args.rounds, args.writes)}
        say(f"journal vs durable-write floor: {results['journal']}")
        cluster = Cluster(kubeconfig(args.kubeconfig), work)
        try:
            results["kill"] = kills(cluster, args.rounds, args.kills)
            say(f"journaled vs plain deletions: {results['kill']}")
            results["execute"] = restores(cluster, args.rounds, args.restores)
            say(f"rollback execute vs plain creates: {results['execute']}")
        finally:
            cluster.close()
    results["targets_met"] = {
        "journal": results["journal"]["ratio_p50"] <= TARGETS["journal_over_floor_p50"],
        "kill": results["kill"]["ratio_p50"] >= TARGETS["kill_ratio"],
        "execute": results["execute"]["ratio_p50"] >= TARGETS["execute_ratio"],
    }
    write_json("floors.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
