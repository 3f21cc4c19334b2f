"""`pod_disruption_scenarios`: delete pods, then measure how long their controllers take
to bring the same number of Running+Ready pods back.

File format (Krkn's): a list of `{id: kill-pods, config: {...}}`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import RootModel, model_validator

from undertow.scenarios.common.fields import (
    Count,
    LabelSelector,
    OptionalText,
    Regex,
    Seconds,
    SpecModel,
)


class KillPodsConfig(SpecModel):
    """Which pods to delete and how long to wait for them to come back."""

    namespace_pattern: Regex
    label_selector: LabelSelector = ""
    name_pattern: Regex = ""
    kill: Count = 1
    krkn_pod_recovery_time: Seconds = 120
    timeout: Seconds = 120
    duration: Seconds = 10
    execution: Literal["serial", "parallel"] = "serial"
    force: bool = False
    exclude_label: LabelSelector = ""
    node_label_selector: LabelSelector = ""
    node_names: list[OptionalText] = []

    @model_validator(mode="after")
    def _one_pod_filter(self) -> KillPodsConfig:
        if not self.namespace_pattern:
            raise ValueError("namespace_pattern must not be empty")
        if bool(self.label_selector) == bool(self.name_pattern):
            raise ValueError("set exactly one of label_selector and name_pattern")
        return self

    @property
    def recovery_deadline(self) -> float:
        """Krkn fails when either its pod monitor (`krkn_pod_recovery_time`) or its
        running-pod count (`timeout`) gives up, so the effective limit is the smaller."""
        return min(self.krkn_pod_recovery_time, self.timeout)


class KillPods(SpecModel):
    id: Literal["kill-pods"]
    config: KillPodsConfig


class PodDisruptionSpec(RootModel[list[KillPods]]):
    """The whole scenario file: one or more kill-pods entries, run in order."""
