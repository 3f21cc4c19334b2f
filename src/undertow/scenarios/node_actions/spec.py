"""The `node_scenarios` file, Krkn's format: a `node_scenarios:` list of entries. Action
names are Krkn's, with or without their `_scenario` suffix."""

from __future__ import annotations

import difflib
import typing
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

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
    value: LabelValue = ""
    effect: TaintEffect = "NoSchedule"


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
    bmc_user: OptionalText = ""
    bmc_password: OptionalText = ""


class NodeScenario(SpecModel):
    actions: Annotated[list[Annotated[NodeAction, BeforeValidator(_action)]], Field(min_length=1)]
    node_name: NodeNames = ""
    """One node, or several separated by commas; wins over label_selector."""
    label_selector: LabelSelector = ""
    exclude_label: LabelSelector = ""
    instance_count: Count = 1
    """How many nodes matching label_selector to act on (0 = all of them)."""
    instance_kill_count: Count | None = None
    """Old Krkn name for `runs`."""
    runs: PositiveCount = 1
    timeout: Seconds = 120
    duration: Seconds = 120
    """Seconds between stop and start (and how long a cordon/drain/taint lasts)."""
    poll_interval: Seconds = 15
    cloud_type: Annotated[CloudType, BeforeValidator(_lower)] = "generic"
    parallel: bool = False
    kube_check: bool = True
    taints: list[Annotated[Taint, BeforeValidator(_parse_taint)]] = []
    """undertow: taints added by node_taint_scenario (`key[=value]:Effect`)."""
    soft_reboot: bool = False
    service: OptionalText = ""
    ssh_private_key: OptionalText = "~/.ssh/id_rsa"
    helper_node_ip: OptionalText = ""
    bmc_info: dict[str, BmcInfo] | None = None
    bmc_user: OptionalText = ""
    bmc_password: OptionalText = ""
    disable_ssl_verification: bool = False

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

    @property
    def repeat(self) -> int:
        return self.instance_kill_count or self.runs


class NodeScenariosSpec(SpecModel):
    node_scenarios: Annotated[list[NodeScenario], Field(min_length=1)]


PROVIDER_ACTIONS = frozenset(
    {
        "node_start_scenario",
        "node_stop_scenario",
        "node_stop_start_scenario",
        "node_reboot_scenario",
        "node_termination_scenario",
    }
)
API_ACTIONS = frozenset({"node_cordon_scenario", "node_drain_scenario", "node_taint_scenario"})
