"""Workloads sampled like HTTP targets (undertow's `health_checks.kubernetes_checks`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from undertow.config.judging import KubernetesCheck
from undertow.errors import NotFound, UndertowError
from undertow.kube.refs import ObjectRef

if TYPE_CHECKING:
    from undertow.kube.api import KubeApi


@dataclass(frozen=True)
class KubeProbe:
    check: KubernetesCheck
    api: KubeApi

    @property
    def label(self) -> str:
        return self.check.label

    @property
    def exit_on_failure(self) -> bool:
        return self.check.exit_on_failure

    def probe(self) -> tuple[bool, str]:
        try:
            if self.check.deployment is not None:
                return self._deployment(self.check.deployment)
            assert self.check.pods_ready is not None
            pods = self.api.list_pods(
                self.check.pods_ready.namespace, self.check.pods_ready.label_selector or None
            )
        except NotFound:
            return False, "not found"
        except UndertowError as exc:
            return False, str(exc)
        ready = sum(1 for pod in pods if _pod_ready(pod))
        return bool(pods) and ready == len(pods), f"{ready}/{len(pods)} pods ready"

    def _deployment(self, written: str) -> tuple[bool, str]:
        namespace, name = written.split("/", 1)
        obj = self.api.get(ObjectRef("apps/v1", "Deployment", name, namespace))
        wanted = int((obj.get("spec") or {}).get("replicas", 1))
        ready = int((obj.get("status") or {}).get("readyReplicas") or 0)
        return ready >= wanted, f"{ready}/{wanted} replicas ready"


def _pod_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or ()
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
