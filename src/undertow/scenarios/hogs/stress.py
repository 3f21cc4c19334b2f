"""The stress-ng command and the pod of one hog: what runs on each chosen node.

stress-ng stops itself after `--timeout` (the scenario's duration); the pod is a helper pod
(`common.helper_pod`), so its `activeDeadlineSeconds` ends it even if stress-ng does not.
The IO stressor (`--hdd`) unlinks each file it writes as soon as it has opened it, so the
space comes back when the process ends, however it ends.
"""

from __future__ import annotations

from typing import Any

from undertow.config.helper_pods import HelperPods
from undertow.scenarios.common.helper_pod import helper_pod
from undertow.scenarios.hogs.spec import HogSpec

HOG_LABEL = "undertow.io/hog"


def stress_command(spec: HogSpec, workers: int) -> list[str]:
    """stress-ng's arguments for the hog type."""
    timeout = ["--timeout", f"{spec.duration}s", "--metrics-brief"]
    if spec.hog_type == "cpu":
        return [
            "stress-ng",
            *("--cpu", str(workers), "--cpu-load", str(spec.cpu_load_percentage)),
            *("--cpu-method", spec.cpu_method),
            *timeout,
        ]
    if spec.hog_type == "memory":
        return [
            "stress-ng",
            *("--vm", str(workers), "--vm-bytes", spec.memory_vm_bytes, "--vm-keep"),
            *timeout,
        ]
    return [
        "stress-ng",
        *("--hdd", str(workers), "--hdd-bytes", spec.io_write_bytes),
        *("--hdd-write-size", spec.io_block_size, "--temp-path", spec.io_target_pod_folder),
        *timeout,
    ]


def node_cpus(node: Any) -> int:
    """The node's CPU count from its capacity (`4` or `3500m`), at least 1."""
    raw = str(((node.get("status") or {}).get("capacity") or {}).get("cpu") or "1")
    try:
        cpus = int(raw[:-1]) // 1000 if raw.endswith("m") else int(float(raw))
    except ValueError:
        cpus = 1
    return max(cpus, 1)


def workers_for(spec: HogSpec, node: Any) -> int:
    """`workers`, or (as Krkn does) the node's CPU count for a CPU hog, else 1."""
    if spec.workers is not None:
        return spec.workers
    return node_cpus(node) if spec.hog_type == "cpu" else 1


def hog_pod(
    spec: HogSpec, name: str, node: str, workers: int, helpers: HelperPods
) -> dict[str, Any]:
    """The hog pod for one node; the IO hog mounts the target volume at the target folder."""
    io = spec.hog_type == "io"
    volume = spec.io_target_pod_volume
    return helper_pod(
        name=name,
        namespace=spec.namespace,
        image=spec.image,
        command=stress_command(spec, workers),
        duration=spec.duration,
        helpers=helpers,
        node=node,
        labels={HOG_LABEL: spec.hog_type},
        tolerations=spec.tolerations,
        volumes=[volume] if io else (),
        mounts=[{"name": volume["name"], "mountPath": spec.io_target_pod_folder}] if io else (),
    )
