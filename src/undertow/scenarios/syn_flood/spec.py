"""The `syn_flood_scenarios` file (Krkn's format): flat keys.

packet-size: 120             # hping3 data bytes per packet (-d)
window-size: 64              # TCP window of the SYNs (-w)
duration: 10                 # seconds of flood
namespace: default           # where the target Service(s) and the attacker pods are
target-service: elasticsearch   # a Service name, or:
target-service-label: ""     # a label selector of Services (set exactly one of the two)
target-port: 9200            # the Services' TCP port
number-of-pods: 2            # attacker pods per target Service
image: quay.io/krkn-chaos/krkn-hub-multiarch:workload-krkn-syn-flood
attacker-nodes: {node-role.kubernetes.io/worker: [""]}   # {}: anywhere
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from undertow.config.names import validate_service_name
from undertow.scenarios.common.fields import (
    LabelSelector,
    NamespaceName,
    OptionalText,
    PositiveCount,
    SpecModel,
    undertow_only,
)
from undertow.scenarios.common.generators import AttackerNodes

DEFAULT_IMAGE = "quay.io/krkn-chaos/krkn-hub-multiarch:workload-krkn-syn-flood"

Port = Annotated[int, Field(ge=1, le=65535, strict=True)]


class SynFloodSpec(SpecModel):
    """One SYN flood scenario file."""

    packet_size: Annotated[int, Field(ge=0, le=65495, strict=True)] = Field(
        120, alias="packet-size"
    )
    """Data bytes in each SYN (hping3 -d)."""
    window_size: Annotated[int, Field(ge=0, le=65535, strict=True)] = Field(64, alias="window-size")
    """The SYNs' TCP window (hping3 -w)."""
    duration: Annotated[int, Field(ge=1, strict=True)] = 10
    """Seconds of flood; each attacker pod stops itself then."""
    namespace: NamespaceName = "default"
    """The target Services' namespace; the attacker pods run there too."""
    target_service: OptionalText = Field("", alias="target-service")
    """The target Service's name (or target-service-label)."""
    target_service_label: LabelSelector = Field("", alias="target-service-label")
    """A label selector of target Services (or target-service)."""
    target_port: Port = Field(alias="target-port")
    """The TCP port flooded on each target Service (1-65535)."""
    number_of_pods: PositiveCount = Field(2, alias="number-of-pods")
    """Attacker pods per target Service."""
    image: str = DEFAULT_IMAGE
    """An image with hping3 and timeout (through the helper image map)."""
    attacker_nodes: AttackerNodes = Field(default_factory=dict, alias="attacker-nodes")
    """Node label → values the attacker pods may run on; {}: wherever helper pods go."""
    packets_per_second: Annotated[PositiveCount | None, undertow_only()] = Field(
        None, alias="packets-per-second"
    )
    """Packets each attacker sends per second; empty: as fast as it can (hping3 --flood)."""

    @model_validator(mode="before")
    @classmethod
    def _blank_attacker_nodes(cls, data: object) -> object:
        """Krkn's files write `attacker-nodes:` with nothing under it for "anywhere"."""
        if isinstance(data, dict) and data.get("attacker-nodes") is None:
            return {k: v for k, v in data.items() if k != "attacker-nodes"}
        return data

    @model_validator(mode="after")
    def _one_target(self) -> SynFloodSpec:
        if bool(self.target_service) == bool(self.target_service_label):
            raise ValueError("set exactly one of target-service and target-service-label")
        if self.target_service:
            validate_service_name(self.target_service)
        return self
