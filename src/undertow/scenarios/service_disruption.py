"""`service_disruption_scenarios`: delete the workloads of namespaces chosen by regex or
label (Krkn's "namespace deletion"), or the namespaces themselves, then measure whether
the workloads come back. Bringing them back is the system's job (GitOps, operators);
with `restore: true` undertow recreates what is still missing after `wait_time` from the
snapshots kept in the version files.

File format (Krkn's): `scenarios:` list.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from undertow.scenarios.common.fields import (
    LabelSelector,
    PositiveCount,
    Regex,
    Seconds,
    SpecModel,
)


class NamespaceDisruption(SpecModel):
    namespace: Regex = ""
    label_selector: LabelSelector = ""
    delete_count: PositiveCount = 1
    runs: PositiveCount = 1
    sleep: Seconds = 10
    wait_time: Seconds = 30
    action: Literal["delete"] = "delete"
    """Accepted for older Krkn files; deletion is the only action."""
    delete: Literal["objects", "namespace"] = "objects"
    """undertow: `objects` (Krkn's behaviour) deletes the Services, DaemonSets,
    StatefulSets, ReplicaSets and Deployments; `namespace` deletes the namespace."""
    restore: bool = False
    """undertow: recreate what did not come back within `wait_time` from the snapshots."""

    @model_validator(mode="after")
    def _one_namespace_filter(self) -> NamespaceDisruption:
        if bool(self.namespace) == bool(self.label_selector):
            raise ValueError("set exactly one of namespace (a regex) and label_selector")
        return self


class ServiceDisruptionSpec(SpecModel):
    scenarios: list[NamespaceDisruption]
