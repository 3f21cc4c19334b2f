"""The `time_scenarios` file (Krkn's format): a top-level `time_scenarios:` list.

time_scenarios:
- action: skew_time          # the clock to 01:01:01 today; skew_date: to 2001-01-01
  object_type: node          # node, or pod (refused: a pod has no clock of its own)
  label_selector: node-role.kubernetes.io/worker   # or object_name: [worker-0]
  exclude_label: ''          # nodes matching it are left alone
  namespace: ''              # pods only
  container_name: ''         # pods only
  duration: 60               # (undertow) seconds the clock stays moved
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from undertow.scenarios.common.fields import (
    LabelSelector,
    OptionalText,
    Seconds,
    SpecModel,
)


class TimeSkew(SpecModel):
    """One clock change: what to move the clock to, and on which objects."""

    action: Literal["skew_time", "skew_date"]
    """skew_time: the clock to 01:01:01 (UTC) of today; skew_date: to 2001-01-01 00:00:00 UTC."""
    object_type: Literal["node", "pod"]
    """node (a privileged pod on the node moves its clock) or pod (refused: see the docs)."""
    label_selector: LabelSelector = ""
    """Objects by label (or object_name)."""
    object_name: list[str] = []
    """Objects by name (or label_selector)."""
    namespace: OptionalText = ""
    """pods: their namespace."""
    container_name: OptionalText = ""
    """pods: the container."""
    exclude_label: LabelSelector = ""
    """Objects matching this selector are left alone."""
    duration: Annotated[Seconds, Field(gt=0)] = Field(60, json_schema_extra={"x-undertow": True})
    """Seconds the clock stays moved before undertow moves it back (Krkn waits for NTP)."""

    @model_validator(mode="after")
    def _targets(self) -> TimeSkew:
        if not self.label_selector and not self.object_name:
            raise ValueError("set label_selector or object_name")
        return self


class TimeScenariosSpec(SpecModel):
    time_scenarios: Annotated[list[TimeSkew], Field(min_length=1)]
    """The clock changes, run in order."""
