"""The `network_chaos_ng_scenarios` file (Krkn's format): a list of modules, run in order.

    - id: pod_network_filter          # or node_network_filter, pod_network_chaos,
      image: quay.io/krkn-chaos/krkn-network-chaos:latest   # node_network_chaos,
      wait_duration: 1                # node_interface_down
      test_duration: 60
      label_selector: app=web         # or target: <pod or node name>
      namespace: default
      instance_count: 1               # 0: every match
      execution: parallel             # or serial
      ingress: false
      egress: true
      interfaces: []                  # empty: every interface but lo
      ports: [53]                     # filters
      protocols: [udp]                # filters
      latency: 50ms / loss: 10 / bandwidth: 1mbit   # chaos modules

Values are checked here, before anything runs: ports 1-65535, loss 0-100, latency and
jitter `<n>us|ms|s`, bandwidth `<n>bit|kbit|mbit|gbit|tbit`, interface names as Linux
accepts them (1-15 bytes, no '/', ':' or whitespace, not . or ..) and made of letters, digits,
'_', '.' and '-'.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Discriminator,
    Field,
    RootModel,
    Tag,
    model_validator,
)

from undertow.scenarios.common.fields import (
    Count,
    LabelSelector,
    NamespaceName,
    OptionalText,
    SpecModel,
    undertow_only,
)

DEFAULT_IMAGE = "quay.io/krkn-chaos/krkn-network-chaos:latest"
LEGACY_IMAGE = "quay.io/krkn-chaos/krkn:tools"
SHAPING_IDS = ("pod_egress_shaping", "pod_ingress_shaping")
_TIME = re.compile(r"^(\d+)(us|ms|s)$")
_RATE = re.compile(r"^(\d+)(bit|kbit|mbit|gbit|tbit)$")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


IFNAMSIZ = 16
"""Linux's limit on an interface name, its terminating NUL included: 15 bytes."""
_LINUX_REFUSES = re.compile(r"[/:\s]")
_INTERFACE_CHARS = re.compile(r"^[A-Za-z0-9_.-]+$")


def _interface_problem(name: str) -> str | None:
    """Why Linux (dev_valid_name) would refuse `name`, or why undertow does: the name goes
    into nft and tc command lines, so it must also be plain letters, digits, `_`, `.`, `-`."""
    if not name:
        return "empty"
    if len(name.encode()) >= IFNAMSIZ:
        return f"{len(name.encode())} bytes long, Linux allows at most {IFNAMSIZ - 1}"
    if name in (".", ".."):
        return "Linux refuses . and .."
    if refused := _LINUX_REFUSES.search(name):
        return f"Linux refuses {refused.group()!r} in a name ('/', ':' and whitespace)"
    if not _INTERFACE_CHARS.match(name):
        return "only letters, digits, '_', '.' and '-' are accepted"
    return None


def _interface(name: str) -> str:
    if problem := _interface_problem(name):
        raise ValueError(f"not a network interface name: {name!r} ({problem})")
    return name


def _number_unit(value: object, unit: str) -> object:
    """Krkn's files also write a bare number (`latency: 0`): read it in `unit`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}{unit}"
    return value


def _time(value: str) -> str:
    if not _TIME.match(value):
        raise ValueError(f"expected a duration such as 500us, 50ms or 1s, got {value!r}")
    return value


def _rate(value: str) -> str:
    if not _RATE.match(value):
        raise ValueError(f"expected a rate such as 512kbit, 10mbit or 1gbit, got {value!r}")
    return value


def _percent(value: object) -> object:
    """Krkn writes `loss: 10` or `loss: "10"` (without `%`)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _loss(value: object) -> object:
    """Also netem's way, as Krkn's older files write it: `0.02`, `"0.02"`, `"0.02%"`."""
    if isinstance(value, str):
        try:
            value = float(value.strip().removesuffix("%"))
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _taint(value: str) -> str:
    key_value, sep, effect = value.partition(":")
    if not sep or not key_value or effect not in TAINT_EFFECTS:
        raise ValueError(f"taint {value!r}: expected key[=value]:Effect")
    return value


Interface = Annotated[str, AfterValidator(_interface)]
Port = Annotated[int, Field(ge=1, le=65535, strict=True)]
Duration = Annotated[int, Field(ge=1, strict=True, json_schema_extra={"x-unit": "seconds"})]
Wait = Annotated[int, Field(ge=0, strict=True, json_schema_extra={"x-unit": "seconds"})]
Time = Annotated[
    str,
    BeforeValidator(lambda v: _number_unit(v, "ms"), json_schema_input_type=str | int),
    AfterValidator(_time),
]
Rate = Annotated[
    str,
    BeforeValidator(lambda v: _number_unit(v, "mbit"), json_schema_input_type=str | int),
    AfterValidator(_rate),
]
Percent = Annotated[int, BeforeValidator(_percent), Field(ge=0, le=100, strict=True)]
LossPercent = Annotated[
    float,
    BeforeValidator(_loss, json_schema_input_type=float | str),
    Field(ge=0, le=100, strict=True, allow_inf_nan=False),
]
Taint = Annotated[str, AfterValidator(_taint)]


class NetworkModule(SpecModel):
    """Fields every module shares (Krkn's BaseNetworkChaosConfig)."""

    image: str = DEFAULT_IMAGE
    """The helper pod's image (through the helper image map); it needs `nft`, `tc`, `ip`
    and `nsenter`."""
    wait_duration: Wait = 0
    """Seconds to wait after this module before the next one."""
    test_duration: Duration = 60
    """Seconds the fault lasts."""
    label_selector: LabelSelector = ""
    """Targets by label (pods in `namespace`, or nodes); set this or target."""
    target: OptionalText = ""
    """One target by name (a pod in `namespace`, or a node); set this or label_selector."""
    namespace: NamespaceName = "default"
    """Where the helper pods run; for pod modules also the targets' namespace."""
    service_account: OptionalText = ""
    """The helper pods' service account (empty: the namespace's default)."""
    taints: list[Taint] = []
    """key[=value]:Effect taints the helper pods tolerate."""
    instance_count: Count = 1
    """How many of the matching targets, picked at random; 0: all of them."""
    execution: Literal["serial", "parallel"] = "parallel"
    """serial: one target after another; parallel: every target at once."""
    interfaces: list[Interface] = []
    """Interfaces the fault applies to; empty: every interface but lo."""
    ingress: bool = True
    """Act on traffic coming in."""
    egress: bool = True
    """Act on traffic going out."""

    @model_validator(mode="after")
    def _one_way_to_target(self) -> NetworkModule:
        if bool(self.label_selector) == bool(self.target):
            raise ValueError("set exactly one of label_selector and target")
        return self

    @property
    def node_module(self) -> bool:
        return self.kind.startswith("node_")

    @property
    def kind(self) -> str:
        return str(getattr(self, "id", ""))


class _Directions(NetworkModule):
    @model_validator(mode="after")
    def _some_direction(self) -> _Directions:
        if not (self.ingress or self.egress):
            raise ValueError("set ingress or egress (or both) to true")
        return self


class FilterModule(_Directions):
    """Drop traffic to some ports (nftables, in the target's network namespace)."""

    id: Literal["pod_network_filter", "node_network_filter"]
    """The module."""
    ports: list[Port] = []
    """Destination ports to drop (1-65535); empty: every port of the protocols."""
    protocols: list[Literal["tcp", "udp"]] = ["tcp", "udp"]
    """Protocols to drop."""
    force: bool = False
    """Accepted for Krkn's files; unused by filters."""

    @property
    def egress_ports(self) -> list[int]:
        """The ports dropped going out: the same `ports` (Krkn's older pod_network_outage
        names them per direction)."""
        return self.ports


class ChaosModule(_Directions):
    """Degrade traffic: latency, jitter and corruption (tc netem), loss (nftables random
    drop), bandwidth (tc htb going out, an nftables rate limit coming in)."""

    id: Literal["pod_network_chaos", "node_network_chaos"]
    """The module."""
    latency: Time | None = None
    """Delay added to each packet: <n>us, ms or s (a bare number is ms); needs netem."""
    jitter: Annotated[Time | None, undertow_only()] = None
    """Variation of the delay, with latency: <n>us, ms or s; needs netem."""
    loss: LossPercent | None = None
    """Percentage of packets dropped at random, 0-100 (fractions too: 0.02)."""
    corruption: Annotated[Percent | None, undertow_only()] = None
    """Percentage of packets corrupted, 0-100; needs netem."""
    bandwidth: Rate | None = None
    """Rate limit: <n>bit, kbit, mbit, gbit or tbit (a bare number is mbit)."""
    force: bool = False
    """Accepted for Krkn's files (node module: replace existing tc rules); undertow never
    replaces a qdisc it did not add: a target whose root qdisc is not the default is refused."""

    @model_validator(mode="after")
    def _some_fault(self) -> ChaosModule:
        if self.jitter and not self.latency_on:
            raise ValueError("jitter needs a latency")
        if not (self.latency_on or self.loss or self.corruption or self.bandwidth):
            raise ValueError("set at least one of latency, loss, corruption, bandwidth")
        return self

    @property
    def latency_on(self) -> bool:
        return bool(self.latency and int(_TIME.match(self.latency).group(1)))  # type: ignore[union-attr]

    @property
    def needs_netem(self) -> bool:
        return self.latency_on or bool(self.corruption)


class InterfaceDownModule(NetworkModule):
    """Take node interfaces down; they come back by themselves after test_duration."""

    id: Literal["node_interface_down"]
    """The module."""
    recovery_time: Wait = 0
    """Seconds to wait after the interfaces are back before the helper is removed."""


class VmiModule(SpecModel):
    """KubeVirt modules: read so a Krkn file validates; refused before running."""

    model_config = SpecModel.model_config | {"extra": "allow"}
    id: Literal["vmi_network_chaos", "vmi_network_filter"]
    """The module."""


class NetworkParams(SpecModel):
    """tc netem's parameters, as Krkn passes them (`delay`, `loss`, `rate`)."""

    latency: Time | None = None
    """Delay added to each packet: <n>us, ms or s; needs netem in the node's kernel."""
    loss: LossPercent | None = None
    """Percentage of packets dropped at random, 0-100; netem's way, so 0.02 is 0.02%."""
    bandwidth: Rate | None = None
    """Rate limit: <n>bit, kbit, mbit, gbit or tbit."""

    @model_validator(mode="after")
    def _some_parameter(self) -> NetworkParams:
        if not self.effective:
            raise ValueError("set at least one of latency, loss, bandwidth (not zero)")
        return self

    @property
    def effective(self) -> dict[str, str | float]:
        """The parameters that change something (a zero latency or loss does not)."""
        latency = self.latency
        values: dict[str, str | float | None] = {
            "latency": latency if latency and int(_TIME.match(latency).group(1)) else None,  # type: ignore[union-attr]
            "loss": self.loss or None,
            "bandwidth": self.bandwidth,
        }
        return {name: value for name, value in values.items() if value is not None}


class ShapingModule(NetworkParams):
    """Krkn's pod_egress_shaping / pod_ingress_shaping written flat, as its network_chaos_ng
    files do (pod_network_scenarios also takes the same fields under `config:`, with the
    parameters under `network_params`): a pod_network_chaos module going out / coming in."""

    id: Literal["pod_egress_shaping", "pod_ingress_shaping"]
    """The module: shape the traffic going out, or coming in."""
    image: str = LEGACY_IMAGE
    """The helper pod's image (through the helper image map)."""
    wait_duration: Wait = 300
    """Seconds to wait after this module before the next one."""
    test_duration: Duration = 120
    """Seconds the fault lasts."""
    label_selector: LabelSelector = ""
    """Target pods by label, when target is empty."""
    target: OptionalText = ""
    """One target pod by name (it wins over label_selector, as in Krkn)."""
    namespace: NamespaceName
    """The target pods' namespace (the helper pods run there too)."""
    service_account: OptionalText = ""
    """The helper pods' service account (empty: the namespace's default)."""
    taints: list[Taint] = []
    """key[=value]:Effect taints the helper pods tolerate."""
    instance_count: Count = 1
    """How many of the label's pods, picked at random; 0: all of them."""
    execution: Literal["serial", "parallel"] = "parallel"
    """serial: one pod after another; parallel: every pod at once."""
    network_shaping_execution: Literal["serial", "parallel"] = "parallel"
    """serial: latency, loss and bandwidth one after another, each for test_duration;
    parallel: all of them at once."""

    @model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        if isinstance(data, dict) and "config" in data:
            raise ValueError(
                "network_chaos_ng modules are written flat (Krkn's `config:` form of this "
                "step is pod_network_scenarios'): move config's fields up to the module"
            )
        return data

    @model_validator(mode="after")
    def _some_target(self) -> ShapingModule:
        if not (self.label_selector or self.target):
            raise ValueError("set target or label_selector")
        return self

    def chaos_modules(self) -> list[ChaosModule]:
        """The pod_network_chaos modules it runs, in order: one, or one per parameter when
        network_shaping_execution is serial."""
        egress = self.id == "pod_egress_shaping"
        common = {
            "id": "pod_network_chaos",
            "image": self.image,
            "wait_duration": self.wait_duration,
            "test_duration": self.test_duration,
            "label_selector": "" if self.target else self.label_selector,
            "target": self.target,
            "namespace": self.namespace,
            "service_account": self.service_account,
            "taints": self.taints,
            "instance_count": self.instance_count,
            "execution": self.execution,
            "ingress": not egress,
            "egress": egress,
        }
        present = self.effective
        serial = self.network_shaping_execution == "serial"
        groups = [[p] for p in present] if serial else [list(present)]
        return [
            ChaosModule.model_validate({**common, **{p: present[p] for p in group}})
            for group in groups
        ]


_KINDS = {
    "pod_network_filter": "[filter]",
    "node_network_filter": "[filter]",
    "pod_network_chaos": "[chaos]",
    "node_network_chaos": "[chaos]",
    "node_interface_down": "[interface down]",
    "vmi_network_chaos": "[vmi]",
    "vmi_network_filter": "[vmi]",
    "pod_egress_shaping": "[shaping]",
    "pod_ingress_shaping": "[shaping]",
}


def _kind_of(data: Any) -> str | None:
    """The module's model, from its `id` (the tags are bracketed so that error paths,
    which name them, show only the file's own keys)."""
    value = data.get("id") if isinstance(data, dict) else getattr(data, "id", None)
    return _KINDS.get(value) if isinstance(value, str) else None


Module = Annotated[
    Annotated[FilterModule, Tag("[filter]")]
    | Annotated[ChaosModule, Tag("[chaos]")]
    | Annotated[InterfaceDownModule, Tag("[interface down]")]
    | Annotated[VmiModule, Tag("[vmi]")]
    | Annotated[ShapingModule, Tag("[shaping]")],
    Discriminator(
        _kind_of,
        custom_error_type="unknown_module",
        custom_error_message=f"id must be one of {', '.join(_KINDS)}",
    ),
]


class NetworkChaosNgSpec(RootModel[list[Module]]):
    """The whole scenario file: modules run in order, `wait_duration` after each."""
