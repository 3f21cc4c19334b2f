"""The PersistentVolumeClaim a volume fault acts on, and where a pod mounts it.

Krkn's targeting, shared by `pvc_scenarios` and `storage_throttle_scenarios`: `pvc_name` (a
Running pod that mounts it, picked at random) wins over `pod_name` (that pod's first claim).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from undertow.errors import NotFound, ScenarioError
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.scenarios.common.status import Obj, name_of


@dataclass(frozen=True)
class Mount:
    """Where the claim is mounted in the chosen pod."""

    pod: Obj
    claim: str
    container: str
    path: str
    sub_path: str

    @property
    def shown(self) -> str:
        return f"{self.path} of pod {name_of(self.pod)} (container {self.container})"


def _running(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running"


def _claims(pod: Obj) -> dict[str, str]:
    """Volume name → claim name, for the pod's PVC volumes, in order."""
    volumes = (pod.get("spec") or {}).get("volumes") or []
    return {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in volumes
        if (v.get("persistentVolumeClaim") or {}).get("claimName")
    }


def _mount(pod: Obj, claim: str | None) -> Mount | None:
    """The first container mount of `claim` (or of the pod's first claim) in `pod`."""
    claims = _claims(pod)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for mount in container.get("volumeMounts") or []:
            mounted = claims.get(mount.get("name"))
            if mounted and (claim is None or mounted == claim):
                return Mount(
                    pod,
                    mounted,
                    container["name"],
                    mount["mountPath"],
                    mount.get("subPath") or "",
                )
    return None


def find_mount(
    api: KubeApi, namespace: str, pvc_name: str, pod_name: str, rng: random.Random
) -> Mount:
    """Krkn's targeting: a Running pod mounting `pvc_name` (at random), else `pod_name`."""
    if pvc_name:
        try:
            api.get(ObjectRef("v1", "PersistentVolumeClaim", pvc_name, namespace))
        except NotFound:
            raise ScenarioError(f"no PersistentVolumeClaim {namespace}/{pvc_name}") from None
        pods = [p for p in api.list_pods(namespace) if _running(p)]
        mounts = [m for p in pods if (m := _mount(p, pvc_name)) is not None]
        if not mounts:
            raise ScenarioError(
                f"no Running pod mounts PersistentVolumeClaim {namespace}/{pvc_name}"
            )
        return rng.choice(sorted(mounts, key=lambda m: name_of(m.pod)))
    try:
        pod = api.get(ObjectRef("v1", "Pod", pod_name, namespace))
    except NotFound:
        raise ScenarioError(f"no pod {namespace}/{pod_name}") from None
    mount = _mount(pod, None)
    if mount is None:
        raise ScenarioError(f"pod {namespace}/{pod_name} mounts no PersistentVolumeClaim")
    if not _running(pod):
        raise ScenarioError(f"pod {namespace}/{pod_name} is not Running")
    return mount
