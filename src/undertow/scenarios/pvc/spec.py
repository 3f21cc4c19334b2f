"""The `pvc_scenarios` file (Krkn's format): one top-level `pvc_scenario:` map.

pvc_scenario:
  pvc_name: data-db-0      # the claim (a Running pod that mounts it is picked); or
  pod_name: db-0           # a pod (its first claim); pvc_name wins when both are set
  namespace: db
  fill_percentage: 90      # the volume's usage to reach, above the current one, at most 99
  duration: 60             # seconds the file is kept
  block_size: 102400       # bytes per dd block, when fallocate is missing
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from undertow.scenarios.common.fields import NamespaceName, OptionalText, Seconds, SpecModel

Percentage = Annotated[float, Field(gt=0, le=99, strict=True, allow_inf_nan=False)]


class PvcFill(SpecModel):
    """Which volume to fill, how full, for how long."""

    pvc_name: OptionalText = ""
    """The PersistentVolumeClaim; a Running pod that mounts it is picked at random."""
    pod_name: OptionalText = ""
    """A pod (its first PersistentVolumeClaim volume) when pvc_name is empty."""
    namespace: NamespaceName
    """The namespace of the claim and its pods."""
    fill_percentage: Percentage = 50
    """The volume's usage to reach, in percent (above the current usage, at most 99)."""
    duration: Seconds = 60
    """Seconds the file is kept before it is removed."""
    block_size: Annotated[int, Field(ge=512, strict=True)] = 102400
    """Bytes per block when the file is written with dd (no fallocate in the image)."""

    @model_validator(mode="after")
    def _a_target(self) -> PvcFill:
        if not self.pvc_name and not self.pod_name:
            raise ValueError("set pvc_name or pod_name")
        return self


class PvcScenarioSpec(SpecModel):
    pvc_scenario: PvcFill
    """The fill."""
