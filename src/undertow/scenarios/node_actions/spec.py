"""The `node_scenarios` file, Krkn's format: a `node_scenarios:` list of entries. Action
names are Krkn's, with or without their `_scenario` suffix."""

from __future__ import annotations

import difflib
import typing
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from undertow.scenarios.common.fields import (
    Count,
    LabelKey,
    LabelSelector,
    LabelValue,
    NodeNames,
    OptionalText,
    PositiveCount,
    Seconds,
    SpecModel,
    krkn_also,
    undertow_only,
)

NodeAction = Literal[
    "node_start_scenario",
    "node_stop_scenario",
    "node_stop_start_scenario",
    "node_termination_scenario",
    "node_reboot_scenario",
    "node_disk_detach_attach_scenario",
    "stop_kubelet_scenario",
    "stop_start_kubelet_scenario",
    "restart_kubelet_scenario",
    "node_crash_scenario",
    "stop_start_helper_node_scenario",
    "node_block_scenario",
    "node_cordon_scenario",
    "node_drain_scenario",
    "node_taint_scenario",
]

CloudType = Literal[
    "local",
    "generic",
    "aws",
    "gcp",
    "azure",
    "az",
    "openstack",
    "alibaba",
    "alicloud",
    "bm",
    "docker",
    "vmware",
    "vsphere",
    "ibm",
    "ibmcloud",
    "ibmpower",
]

TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


KNOWN_ACTIONS = typing.get_args(NodeAction)
ACTION_SPELLINGS = tuple(
    spelling for name in KNOWN_ACTIONS for spelling in (name.removesuffix("_scenario"), name)
)
"""What a file may write in `actions`: each action with or without its `_scenario` suffix
(the JSON Schema's enum, so that `scenarios schema` accepts what validation accepts)."""


def _action(value: object) -> object:
    """Krkn's action name, with the `_scenario` suffix; an unknown one is refused.

    Krkn logs an unknown action and skips it, so a typo turns a chaos run into one that
    changes nothing and passes; undertow refuses the file instead.
    """
    if not isinstance(value, str):
        return value
    name = value if value.endswith("_scenario") else f"{value}_scenario"
    if name not in KNOWN_ACTIONS:
        close = difflib.get_close_matches(name, KNOWN_ACTIONS, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"unknown node action {value!r} ({hint}known: {', '.join(KNOWN_ACTIONS)}); Krkn "
            "would skip it, undertow refuses it on purpose: a misspelt action would make the "
            "run change nothing and pass"
        )
    return name


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class Taint(SpecModel):
    key: LabelKey
    """The taint's key (a label key)."""
    value: LabelValue = ""
    """The taint's value (a label value; may be empty)."""
    effect: TaintEffect = "NoSchedule"
    """What the taint does to pods."""


def _parse_taint(value: object) -> object:
    """`key[=value]:Effect` → `{key, value, effect}`; maps pass through."""
    if not isinstance(value, str):
        return value
    body, sep, effect = value.rpartition(":")
    if not sep:
        raise ValueError(f"taint {value!r} must look like key[=value]:Effect")
    key, _, val = body.partition("=")
    return {"key": key, "value": val, "effect": effect}


class BmcInfo(SpecModel):
    bmc_addr: OptionalText = ""
    """The node's BMC address (IPMI)."""
    bmc_user: OptionalText = ""
    """The BMC user for this node."""
    bmc_password: OptionalText = ""
    """The BMC password for this node."""


class NodeScenario(SpecModel):
    actions: Annotated[
        list[
            Annotated[
                NodeAction,
                BeforeValidator(_action),
                WithJsonSchema({"type": "string", "enum": list(ACTION_SPELLINGS)}),
            ]
        ],
        Field(min_length=1),
    ]
    """What to do, in order, each runs times on every selected node; Krkn's names with or without
    the _scenario suffix. Actions that need a shell on the node are refused."""
    node_name: NodeNames = ""
    """One node, or several separated by commas; wins over label_selector."""
    label_selector: LabelSelector = ""
    """Label selector of the nodes to pick from."""
    exclude_label: LabelSelector = ""
    """Nodes matching this label selector are never picked."""
    instance_count: Count = 1
    """How many nodes matching label_selector to act on, picked at random (0: all of them)."""
    instance_kill_count: Count | None = None
    """Older Krkn name for runs; wins over it when set."""
    runs: Annotated[PositiveCount, krkn_also("instance_kill_count")] = 1
    """How many times each action is repeated."""
    timeout: Seconds = 120
    """How long a node may take to go down or come back, and a drain to finish."""
    duration: Seconds = 120
    """Time between stop and start, and how long a cordon, drain or taint lasts, or the data
    disks stay detached."""
    poll_interval: Seconds = 15
    """Instance-state polling period of cloud providers (node status is read at least every
    second)."""
    cloud_type: Annotated[CloudType, BeforeValidator(_lower)] = "generic"
    """The node provider for stop/start/reboot/terminate: local (kwok nodes) or a cloud; Krkn's
    docker, generic, alibaba and ibmpower have none. Detaching disks needs aws, gcp or azure.
    Case-insensitive."""
    parallel: bool = False
    """Act on all selected nodes at once."""
    kube_check: bool = True
    """Also wait on the node's Ready condition through the API."""
    taints: Annotated[
        list[Annotated[Taint, BeforeValidator(_parse_taint, json_schema_input_type=str | Taint)]],
        undertow_only(),
    ] = []
    """The taints node_taint_scenario adds: key[=value]:Effect strings or maps."""
    soft_reboot: bool = False
    """Accepted for Krkn files; unused."""
    service: OptionalText = ""
    """Accepted for Krkn files; unused."""
    ssh_private_key: OptionalText = "~/.ssh/id_rsa"
    """Accepted for Krkn files; unused."""
    helper_node_ip: OptionalText = ""
    """Accepted for Krkn files; unused."""
    bmc_info: dict[str, BmcInfo] | None = None
    """bm: per node name, its BMC address and credentials."""
    bmc_user: OptionalText = ""
    """bm/vmware: the user for every node without its own in bmc_info."""
    bmc_password: OptionalText = ""
    """bm/vmware: the password for every node without its own in bmc_info."""
    disable_ssl_verification: bool = False
    """vmware: do not verify the server's TLS certificate."""
    allow_irreversible: Annotated[bool, undertow_only(), Field(validate_default=True)] = False
    """Must be true for node_crash_scenario, which crashes the node's kernel (no undo)."""

    @field_validator("actions")
    @classmethod
    def _no_duplicates(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each action may appear once")
        return value

    @model_validator(mode="after")
    def _taints_for_taint_action(self) -> NodeScenario:
        if "node_taint_scenario" in self.actions and not self.taints:
            raise ValueError("node_taint_scenario needs at least one entry in taints")
        return self

    @field_validator("allow_irreversible")
    @classmethod
    def _crash_is_allowed(cls, value: bool, info: ValidationInfo) -> bool:
        if "node_crash_scenario" in (info.data.get("actions") or []) and not value:
            raise ValueError(
                "node_crash_scenario crashes the node's kernel and cannot be undone: set "
                "allow_irreversible: true in this entry to run it"
            )
        return value

    @property
    def repeat(self) -> int:
        return self.instance_kill_count or self.runs


class NodeScenariosSpec(SpecModel):
    node_scenarios: Annotated[list[NodeScenario], Field(min_length=1)]
    """The node scenarios, run in order."""


PROVIDER_ACTIONS = frozenset(
    {
        "node_start_scenario",
        "node_stop_scenario",
        "node_stop_start_scenario",
        "node_reboot_scenario",
        "node_termination_scenario",
        "node_disk_detach_attach_scenario",
    }
)
"""Actions made through the node's provider (`cloud_type`)."""
API_ACTIONS = frozenset({"node_cordon_scenario", "node_drain_scenario", "node_taint_scenario"})
HELPER_ACTIONS = frozenset(
    {
        "stop_kubelet_scenario",
        "stop_start_kubelet_scenario",
        "restart_kubelet_scenario",
        "node_crash_scenario",
    }
)
"""Actions a privileged helper pod makes on the node itself (any cloud_type)."""
