"""The `hog_scenarios` file (Krkn's format, read by krkn-lib's `HogConfig`): flat keys.

    hog-type: cpu                # cpu | memory | io (required)
    duration: 60                 # seconds of stress
    workers: ''                  # stressors; empty: the node's CPU count (cpu), else 1
    node-selector: {node-role.kubernetes.io/worker: ''}   # or "key=value"; empty: any node
    number-of-nodes: 1           # how many of the matching nodes; empty: all (one if no selector)
    taints: ["node-role.kubernetes.io/master:NoSchedule"]  # tolerated by the hog pods
    cpu-load-percentage: 90      # cpu: 1-100
    memory-vm-bytes: 90%         # memory: % of available memory, or a size (256m, 1g)
    io-block-size: 1m / io-write-bytes: 1g / io-target-pod-folder / io-target-pod-volume

As in Krkn, an empty value (`''`, null) means "the default".
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from undertow.scenarios.common.fields import NamespaceName, NodeNames, SpecModel
from undertow.scenarios.common.selectors import parse_selector, selector_from_map

DEFAULT_IMAGE = "quay.io/krkn-chaos/krkn-hog"
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_SIZE = re.compile(r"^\d+(\.\d+)?[bkmgtBKMGT]?$")
_SIZE_OR_PERCENT = re.compile(r"^(\d+(\.\d+)?%|\d+(\.\d+)?[bkmgtBKMGT]?)$")


def _size(value: str) -> str:
    if not _SIZE.match(value):
        raise ValueError(f"expected a size such as 512k, 1m or 2g, got {value!r}")
    return value


def _size_or_percent(value: str) -> str:
    if not _SIZE_OR_PERCENT.match(value):
        raise ValueError(f"expected a percentage such as 50% or a size such as 256m, got {value!r}")
    return value


def _absolute(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(f"expected an absolute path, got {value!r}")
    return value


Size = Annotated[str, AfterValidator(_size)]
Positive = Annotated[int, Field(ge=1, strict=True)]


def _toleration(taint: str) -> dict[str, str]:
    """`key[=value]:Effect` → a toleration, as krkn-lib builds it."""
    key_value, sep, effect = taint.partition(":")
    if not sep or effect not in TAINT_EFFECTS or not key_value:
        raise ValueError(
            f"taint {taint!r}: expected key[=value]:Effect, "
            f"Effect one of {', '.join(TAINT_EFFECTS)}"
        )
    key, has_value, value = key_value.partition("=")
    toleration = {"key": key, "operator": "Equal" if has_value else "Exists", "effect": effect}
    if has_value:
        toleration["value"] = value
    return toleration


class HogSpec(SpecModel):
    """One hog scenario file."""

    hog_type: Literal["cpu", "memory", "io"] = Field(alias="hog-type")
    """What to stress: cpu, memory or io."""
    duration: Annotated[int, Field(ge=1, strict=True)] = 30
    """Seconds of stress (stress-ng --timeout)."""
    workers: Positive | None = None
    """stress-ng workers; empty: the node's CPU count (cpu), else 1."""
    namespace: NamespaceName = "default"
    """Where the hog pods run."""
    image: str = DEFAULT_IMAGE
    """An image with stress-ng (through the helper image map)."""
    node_selector: dict[str, str | None] | str | None = Field(None, alias="node-selector")
    """Nodes to hog: a label map or a selector string; empty: any schedulable node."""
    node_name: NodeNames = Field("", alias="node-name")
    """Node names, comma-separated; each must exist (overrides node-selector)."""
    number_of_nodes: Positive | None = Field(None, alias="number-of-nodes")
    """How many matching nodes; empty: all with a selector, one without."""
    taints: list[str] = []
    """key[=value]:Effect taints the hog pods tolerate."""
    cpu_load_percentage: Annotated[int, Field(ge=1, le=100, strict=True)] = Field(
        80, alias="cpu-load-percentage"
    )
    """cpu: load per worker, 1-100."""
    cpu_method: str = Field("all", alias="cpu-method")
    """cpu: stress-ng's --cpu-method."""
    memory_vm_bytes: Annotated[str, AfterValidator(_size_or_percent)] = Field(
        "10%", alias="memory-vm-bytes"
    )
    """memory: a percentage of the available memory, or a size (256m)."""
    io_block_size: Size = Field("1m", alias="io-block-size")
    """io: the size of each write."""
    io_write_bytes: Annotated[str, AfterValidator(_size_or_percent)] = Field(
        "10m", alias="io-write-bytes"
    )
    """io: bytes written per worker: a size or a percentage of the free space."""
    io_target_pod_folder: Annotated[str, AfterValidator(_absolute)] = Field(
        "/hog-data", alias="io-target-pod-folder"
    )
    """io: where the volume is mounted and written."""
    io_target_pod_volume: dict[str, Any] = Field(
        default_factory=lambda: {"name": "node-volume", "hostPath": {"path": "/tmp"}},  # noqa: S108 (Krkn's default, on the node)
        alias="io-target-pod-volume",
    )
    """io: the pod volume to write to (with a name)."""

    @model_validator(mode="before")
    @classmethod
    def _blanks_are_defaults(cls, data: Any) -> Any:
        """Krkn reads every optional key with `if yaml_dict[key]`: '' and null mean the
        default (its files ship `workers: ''` and `number-of-nodes: ''`)."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != "" and v is not None}
        return data

    @field_validator("node_selector")
    @classmethod
    def _selector(
        cls, value: dict[str, str | None] | str | None
    ) -> dict[str, str | None] | str | None:
        if isinstance(value, dict):
            selector_from_map({k: v or "" for k, v in value.items()})
        elif value:
            parse_selector(value)
        return value or None

    @field_validator("taints")
    @classmethod
    def _taints(cls, value: list[str]) -> list[str]:
        for taint in value:
            _toleration(taint)
        return value

    @field_validator("io_target_pod_volume")
    @classmethod
    def _volume(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(value.get("name"), str) or not value["name"]:
            raise ValueError("the volume needs a name")
        if len(value) < 2:
            raise ValueError("the volume needs a source (e.g. hostPath: {path: /tmp})")
        return value

    @property
    def label_selector(self) -> str:
        """The node selector as a label-selector string ('' = any node)."""
        if isinstance(self.node_selector, dict):
            return ",".join(f"{k}={v or ''}" for k, v in self.node_selector.items())
        return self.node_selector or ""

    @property
    def tolerations(self) -> list[dict[str, str]]:
        return [_toleration(t) for t in self.taints]
