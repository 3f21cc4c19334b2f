"""Benchmark of the local control plane: build time, start time, memory, start-up at scale.

    python benchmarks/bench_cluster.py            # build time as recorded by the cached build
    python benchmarks/bench_cluster.py --cold     # really rebuild from nothing (temp caches)
    python benchmarks/bench_cluster.py --skip-scale

    python benchmarks/bench_cluster.py --skip-real-node  # no `up --real-nodes 1`

Prints each figure against its target and writes benchmarks/results/cluster.json.
Targets: warm start to all nodes Ready < 30 s; RSS of the control plane with 3 nodes < 1.5 GiB;
500 nodes + 5,000 Running pods < 3 min; warm `up --real-nodes 1` < 20 s with the real node
adding < 600 MiB RSS (containerd, kubelet, kube-proxy and the shims of 3 running pods).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from undertow import cluster
from undertow.cluster import procs
from undertow.cluster.build import binaries_for

RESULTS = Path(__file__).parent / "results"
GIB = 1024**3


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cold_build() -> dict[str, Any]:
    """Build all seven binaries with empty Go build and module caches (downloads included)."""
    with tempfile.TemporaryDirectory(prefix="undertow-cold-") as tmp:
        env = {
            "UNDERTOW_CACHE_DIR": f"{tmp}/cache",
            "GOCACHE": f"{tmp}/gocache",
            "GOMODCACHE": f"{tmp}/gomodcache",
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            started = time.monotonic()
            binaries = cluster.ensure_binaries(say)
            total = time.monotonic() - started
            record = binaries.build_record()
        finally:
            go = shutil.which("go")
            if go:  # the module cache is read-only: let go remove it
                subprocess.run([go, "clean", "-modcache"], check=False, env=dict(os.environ))
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return {"cold": True, "total_s": round(total, 1), "steps_s": record["seconds"]}


def recorded_build() -> dict[str, Any]:
    binaries = cluster.ensure_binaries(say)
    record = binaries.build_record()
    seconds: dict[str, float] = record["seconds"]  # type: ignore[assignment]
    return {
        "cold": False,
        "note": "as recorded when the cached binaries were built (GOCACHE may have been warm)",
        "total_s": round(sum(seconds.values()), 1),
        "steps_s": seconds,
    }


def control_plane_rss(info: cluster.ClusterInfo) -> dict[str, int]:
    return {c.name: procs.rss_bytes(c.pid) for c in info.components}


def warm_start() -> dict[str, Any]:
    # A name of its own: run_all.py's benchmarks share the cluster `bench`, which this one
    # must not take down under them.
    name = "bench-warm"
    cluster.down(name)
    started = time.monotonic()
    info = cluster.up(cluster.ClusterSpec(name=name, nodes=3, zones=3), progress=say)
    elapsed = time.monotonic() - started
    time.sleep(5)  # let the controllers settle before reading memory
    rss = control_plane_rss(info)
    cluster.down(name)
    return {
        "start_to_nodes_ready_s": round(elapsed, 2),
        "phases_s": {k: round(v, 2) for k, v in info.timings.items()},
        "rss_bytes": rss,
        "rss_total_gib": round(sum(rss.values()) / GIB, 3),
    }


def real_node_missing() -> str:
    """Why a real node cannot start here ("" when it can)."""
    from undertow.cluster.realnode import host
    from undertow.errors import LocalClusterError

    try:
        host.preflight()
    except LocalClusterError as exc:
        return str(exc)
    return ""


def real_node_start() -> dict[str, Any]:
    """Warm `up --real-nodes 1`, then the node's RSS with 3 real pods running on it."""
    from kubernetes import client, config

    from undertow.cluster import images, realnode

    name = "bench-real"
    cluster.down(name)
    started = time.monotonic()
    info = cluster.up(cluster.ClusterSpec(name=name, nodes=1, zones=1, real_nodes=1), progress=say)
    elapsed = time.monotonic() - started
    if info.real_nodes != 1:
        raise SystemExit("the real node did not start: no figure posted")
    try:
        api = config.new_client_from_config(config_file=str(info.kubeconfig))
        core = client.CoreV1Api(api)
        for i in range(3):
            core.create_namespaced_pod(
                "default",
                {
                    "metadata": {"name": f"bench-{i}"},
                    "spec": {
                        "nodeSelector": {realnode.REAL_NODE_LABEL: "true"},
                        "tolerations": [{"key": realnode.REAL_NODE_LABEL, "operator": "Exists"}],
                        "containers": [
                            {
                                "name": "web",
                                "image": images.BUSYBOX,
                                "command": ["httpd", "-f", "-p", "8080"],
                            }
                        ],
                    },
                },
            )
        deadline = time.monotonic() + 120
        while (
            sum(p.status.phase == "Running" for p in core.list_namespaced_pod("default").items) < 3
        ):
            if time.monotonic() > deadline:
                raise SystemExit("3 pods did not run on the real node: no figure posted")
            time.sleep(0.5)
        time.sleep(5)
        node = {
            c.name: procs.rss_bytes(c.pid)
            for c in info.components
            if c.name in ("containerd", "kubelet", "kube-proxy")
        }
        shims = subprocess.run(
            ["pgrep", "-f", f"containerd-shim-runc-v2.*{info.state_dir}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        node["shims"] = sum(procs.rss_bytes(int(pid)) for pid in shims)
        api.close()
    finally:
        cluster.down(name)
    return {
        "start_to_real_node_ready_s": round(elapsed, 2),
        "phases_s": {k: round(v, 2) for k, v in info.timings.items()},
        "node_rss_bytes": node,
        "node_rss_total_mib": round(sum(node.values()) / 1024**2, 1),
    }


def deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx"}]},
            },
        },
    }


def count_running(core: Any, namespace: str) -> int:
    running = 0
    token = None
    while True:
        page = core.list_namespaced_pod(
            namespace, field_selector="status.phase=Running", limit=2000, _continue=token
        )
        running += len(page.items)
        token = page.metadata._continue
        if not token:
            return running


def at_scale(nodes: int, pods: int, deployments: int = 10) -> dict[str, Any]:
    from kubernetes import client, config

    name = "bench-scale"
    cluster.down(name)
    started = time.monotonic()
    info = cluster.up(cluster.ClusterSpec(name=name, nodes=nodes, zones=3), progress=say)
    nodes_ready = time.monotonic() - started
    api = config.new_client_from_config(config_file=str(info.kubeconfig))
    try:
        core = client.CoreV1Api(api)
        apps = client.AppsV1Api(api)
        core.create_namespace({"metadata": {"name": "bench"}})
        for i in range(deployments):
            apps.create_namespaced_deployment("bench", deployment(f"d{i}", pods // deployments))
        running = 0
        while running < pods:
            if time.monotonic() - started > 900:
                raise RuntimeError(f"only {running}/{pods} pods Running after 15 min")
            time.sleep(2)
            running = count_running(core, "bench")
            say(f"  {running}/{pods} pods Running ({time.monotonic() - started:.0f}s)")
        all_running = time.monotonic() - started
        rss = control_plane_rss(info)
    finally:
        api.close()
        cluster.down(name)
    return {
        "nodes": nodes,
        "pods": pods,
        "nodes_ready_s": round(nodes_ready, 1),
        "all_pods_running_s": round(all_running, 1),
        "rss_total_gib": round(sum(rss.values()) / GIB, 3),
        "rss_bytes": rss,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cold", action="store_true", help="rebuild into empty temp caches")
    parser.add_argument("--skip-scale", action="store_true", help="skip 500 nodes/5,000 pods")
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--skip-real-node", action="store_true", help="skip the real node")
    parser.add_argument("--out", type=Path, default=RESULTS / "cluster.json")
    args = parser.parse_args()

    _, pins, go = binaries_for()
    results: dict[str, Any] = {
        "kubernetes": pins.kubernetes,
        "go": go.version,
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    results["build"] = cold_build() if args.cold else recorded_build()
    say(f"build: {results['build']['total_s']:.0f}s {results['build']['steps_s']}")
    results["warm_start"] = warm_start()
    warm = results["warm_start"]
    say(f"warm start to all nodes Ready: {warm['start_to_nodes_ready_s']:.1f}s (target < 30 s)")
    say(f"control-plane RSS, 3 nodes: {warm['rss_total_gib']:.2f} GiB (target < 1.5 GiB)")
    missing = "" if args.skip_real_node else real_node_missing()
    if missing:
        say(f"real node not measured: {missing}")
    elif not args.skip_real_node:
        results["real_node"] = real_node_start()
        real = results["real_node"]
        say(
            f"warm start with a real node Ready: {real['start_to_real_node_ready_s']:.1f}s "
            f"(target < 20 s); real node RSS with 3 pods: {real['node_rss_total_mib']:.0f} MiB "
            "(target < 600 MiB)"
        )
    if not args.skip_scale:
        results["scale"] = at_scale(args.nodes, args.pods)
        scale = results["scale"]
        say(
            f"{args.nodes} nodes Ready in {scale['nodes_ready_s']:.0f}s, {args.pods} pods Running "
            f"after {scale['all_pods_running_s']:.0f}s (target < 180 s); "
            f"RSS {scale['rss_total_gib']:.2f} GiB"
        )
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    say(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
