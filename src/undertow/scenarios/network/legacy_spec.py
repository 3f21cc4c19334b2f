"""Krkn's older network scenario files, read as they are (Krkn's field names and defaults).

`network_chaos_scenarios` (Krkn's network_chaos plugin): tc on node interfaces, going out.

    network_chaos:
      duration: 300                 # seconds
      node_name:                    # comma-separated; empty: label_selector
      label_selector: node-role.kubernetes.io/master
      instance_count: 1
      interfaces: [eth0]            # empty: the default route's interface
      execution: serial             # serial: one parameter after another; parallel: all
      egress: {latency: 50ms, loss: 0.02, bandwidth: 100mbit}

`pod_network_scenarios` (Krkn's native plugin steps): a list of `{id, config}`.

    - id: pod_network_outage        # or pod_egress_shaping, pod_ingress_shaping
      config:
        namespace: shop
        label_selector: app=web     # or pod_name
        direction: [ingress]        # outage: default both
        ingress_ports: [8080]       # outage: empty, every port
        network_params: {latency: 50ms, loss: "0.02", bandwidth: 100mbit}   # shaping

A shaping step may also be written flat, as Krkn's newer network_chaos_ng files write it
(`spec.ShapingModule`: `target` for pod_name, `execution` for execution_type, latency, loss
and bandwidth beside them); both forms run the same modules. One entry mixing the two is
refused, naming the field in each form.

Both are run as `network_chaos_ng_scenarios` modules (`legacy.py`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, RootModel, Tag, model_validator

from undertow.scenarios.common.fields import (
    Count,
    LabelSelector,
    NamespaceName,
    NodeNames,
    OptionalText,
    SpecModel,
)
from undertow.scenarios.network.spec import (
    LEGACY_IMAGE,
    SHAPING_IDS,
    Duration,
    Interface,
    NetworkParams,
    Port,
    ShapingModule,
    Taint,
    Wait,
)

MASTER_LABEL = "node-role.kubernetes.io/master"


def _none_to_empty_list(value: object) -> object:
    """Krkn's files leave a list key empty (`interfaces:` → null)."""
    return [] if value is None else value


class NetworkChaosConfig(SpecModel):
    """Krkn's `network_chaos:` map."""

    duration: Duration = 300
    """Seconds each fault lasts."""
    node_name: NodeNames = ""
    """Nodes by name, separated by commas; empty: label_selector."""
    label_selector: LabelSelector = MASTER_LABEL
    """Nodes by label, when node_name is empty."""
    instance_count: Count = 1
    """How many of the label's nodes, picked at random; 0: all of them."""
    interfaces: Annotated[
        list[Interface],
        BeforeValidator(_none_to_empty_list, json_schema_input_type=list[str] | None),
    ] = []
    """The nodes' interfaces; empty: the default route's. Each must exist on every node."""
    execution: Literal["serial", "parallel"] = "serial"
    """serial: latency, loss and bandwidth one after another (each for duration);
    parallel: all of them at once."""
    egress: NetworkParams = NetworkParams(bandwidth="100mbit")
    """What is done to the traffic going out."""
    image: str = LEGACY_IMAGE
    """The helper pod's image (through the helper image map); it needs `tc`, `nft`, `ip`,
    `nsenter`."""


class NetworkChaosSpec(SpecModel):
    """The whole `network_chaos_scenarios` file."""

    network_chaos: NetworkChaosConfig
    """The scenario."""


class PodNetworkConfig(SpecModel):
    """One step's settings (the outage's and the shaping's fields, each used by its own)."""

    namespace: NamespaceName
    """The target pods' namespace (the helper pods run there too)."""
    label_selector: LabelSelector = ""
    """Target pods by label, when pod_name is empty."""
    pod_name: OptionalText = ""
    """One target pod by name (it wins over label_selector, as in Krkn)."""
    instance_count: Count = 1
    """How many of the label's pods, picked at random; 0: all of them."""
    wait_duration: Wait = 300
    """Seconds to wait after this step before the next one."""
    test_duration: Duration = 120
    """Seconds the fault lasts."""
    image: str = LEGACY_IMAGE
    """The helper pod's image (through the helper image map)."""
    direction: list[Literal["ingress", "egress"]] = Field(
        default=["ingress", "egress"], min_length=1
    )
    """Outage: the directions blocked."""
    ingress_ports: list[Port] = []
    """Outage: ports of the pod whose incoming traffic is dropped; empty: every port."""
    egress_ports: list[Port] = []
    """Outage: destination ports whose outgoing traffic is dropped; empty: every port."""
    network_params: NetworkParams | None = None
    """Shaping (required there): what is done to the traffic."""
    execution_type: Literal["serial", "parallel"] = "parallel"
    """Shaping: serial, one pod after another; parallel, every pod at once."""
    network_shaping_execution: Literal["serial", "parallel"] = "parallel"
    """Shaping: serial, latency, loss and bandwidth one after another (each for
    test_duration); parallel, all of them at once."""
    service_account: OptionalText = ""
    """The helper pods' service account (empty: the namespace's default)."""
    taints: list[Taint] = []
    """key[=value]:Effect taints the helper pods tolerate."""
    kubeconfig_path: OptionalText = ""
    """Accepted for Krkn's files; undertow uses the run's own connection."""
    kraken_config: OptionalText = ""
    """Accepted for Krkn's files (Cerberus); undertow's health checks are the run's."""

    @model_validator(mode="after")
    def _some_target(self) -> PodNetworkConfig:
        if not (self.label_selector or self.pod_name):
            raise ValueError("set pod_name or label_selector")
        return self


FLAT_TO_CONFIG: dict[str, tuple[str, ...]] = {
    "image": ("image",),
    "wait_duration": ("wait_duration",),
    "test_duration": ("test_duration",),
    "label_selector": ("label_selector",),
    "target": ("pod_name",),
    "namespace": ("namespace",),
    "service_account": ("service_account",),
    "taints": ("taints",),
    "instance_count": ("instance_count",),
    "execution": ("execution_type",),
    "network_shaping_execution": ("network_shaping_execution",),
    "latency": ("network_params", "latency"),
    "loss": ("network_params", "loss"),
    "bandwidth": ("network_params", "bandwidth"),
}
"""A flat shaping step's fields (`spec.ShapingModule`) → where the `config:` form has them."""


def _mixed_forms(step: dict[str, Any]) -> list[str]:
    """What a `{id, config}` step also sets flat: each field named in both forms."""
    config = step.get("config")
    mixed = []
    for name, path in FLAT_TO_CONFIG.items():
        if name not in step or not isinstance(config, dict):
            continue
        value: Any = config
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        where = "config." + ".".join(path)
        mixed.append(f"{name} and {where}" if value is not None else f"{name} (as {where})")
    return mixed


class PodNetworkStep(SpecModel):
    """A step of Krkn's native plugin."""

    id: Literal["pod_network_outage", "pod_egress_shaping", "pod_ingress_shaping"]
    """The step: block ports, or shape the traffic going out, or coming in."""
    config: PodNetworkConfig
    """Its settings."""

    @model_validator(mode="before")
    @classmethod
    def _one_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and (mixed := _mixed_forms(data)):
            raise ValueError(
                f"Krkn's flat form and its config: form mixed in one step: {'; '.join(mixed)}; "
                "write the step in one form"
            )
        return data

    @model_validator(mode="after")
    def _shaping_has_params(self) -> PodNetworkStep:
        if self.id != "pod_network_outage" and self.config.network_params is None:
            raise ValueError(f"{self.id} needs config.network_params")
        return self

    def shaping_module(self) -> ShapingModule:
        """A shaping step as its flat form (it runs as that): the same fields, renamed."""
        assert self.id in SHAPING_IDS and self.config.network_params is not None
        config = self.config.model_dump()
        flat = {name: config[path[0]] for name, path in FLAT_TO_CONFIG.items() if len(path) == 1}
        return ShapingModule.model_validate(
            {"id": self.id, **flat, **self.config.network_params.effective}
        )


def _form_of(data: Any) -> str:
    """A shaping step without `config:` is Krkn's flat form; anything else its `{id, config}`
    (the tags are bracketed so that error paths show only the file's own keys)."""
    if isinstance(data, dict):
        flat = "config" not in data and data.get("id") in SHAPING_IDS
        return "[flat]" if flat else "[config]"
    return "[flat]" if isinstance(data, ShapingModule) else "[config]"


PodNetworkEntry = Annotated[
    Annotated[PodNetworkStep, Tag("[config]")] | Annotated[ShapingModule, Tag("[flat]")],
    Discriminator(_form_of),
]


class PodNetworkSpec(RootModel[list[PodNetworkEntry]]):
    """The whole `pod_network_scenarios` file: steps run in order, `wait_duration` after
    each."""
