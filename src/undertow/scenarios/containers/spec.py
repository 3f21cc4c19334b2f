"""The `container_scenarios` file (Krkn's format): a top-level `scenarios:` list.

scenarios:
- name: kill web
  namespace: shop            # exact name; "*" = every namespace
  label_selector: app=web    # or pod_names: [web-0, web-1] (needs a namespace)
  container_name: web        # default: each chosen pod's first container
  action: 9                  # signal 1-15; also "kill 9", "SIGKILL", "KILL"
  count: 1
  expected_recovery_time: 60
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from undertow.config.names import validate_namespace
from undertow.scenarios.common.fields import (
    LabelSelector,
    OptionalText,
    PositiveCount,
    Seconds,
    SpecModel,
)

SIGNALS: tuple[str, ...] = ("HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE")
SIGNALS += ("KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM")
"""Linux signals 1-15, by number - 1: the range Krkn accepts."""

_KILL_COMMAND = re.compile(r"^kill\s+-?(?P<signal>\S+)$")


def parse_signal(value: object) -> object:
    """Krkn's `action`: an integer 1-15; older files write `"kill 1"`. Names (`KILL`,
    `SIGKILL`) are accepted too. Anything else is left for the range check to refuse."""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    text = value.strip()
    match = _KILL_COMMAND.match(text)
    if match:
        text = match["signal"]
    if text.isdigit():
        return int(text)
    name = text.upper().removeprefix("SIG")
    if name in SIGNALS:
        return SIGNALS.index(name) + 1
    raise ValueError(
        f"unknown signal {value!r}: expected a number 1-15, `kill <n>` or a name "
        f"({', '.join(SIGNALS)})"
    )


Signal = Annotated[int, BeforeValidator(parse_signal), Field(ge=1, le=15, strict=True)]


def _namespace_or_all(value: object) -> object:
    if value is None or value == "":
        return "*"
    if isinstance(value, str) and value != "*":
        validate_namespace(value)
    return value


class ContainerKill(SpecModel):
    """One kill: which containers, which signal, and how long they may take to come back."""

    name: OptionalText = ""
    """A label for the output."""
    namespace: Annotated[str, BeforeValidator(_namespace_or_all)] = "*"
    """The pods' namespace (exact name); `*`: every namespace (then label_selector is needed)."""
    label_selector: LabelSelector = ""
    """Pod label selector (or pod_names)."""
    pod_names: list[str] = []
    """Pod names in `namespace` (or label_selector)."""
    container_name: OptionalText = ""
    """The container to signal; empty: each pod's first container."""
    action: Signal = 1
    """Signal 1-15: a number, `kill <n>` or a name (KILL, SIGTERM)."""
    count: PositiveCount = 1
    """Containers to signal, in pods picked at random among the Running matches."""
    expected_recovery_time: Seconds = 120
    """Seconds each container has to restart and be Ready again (Krkn's older retry_wait)."""
    exclude_label: LabelSelector = ""
    """Pods matching this selector are never picked."""

    @model_validator(mode="before")
    @classmethod
    def _older_keys(cls, data: Any) -> Any:
        """Older Krkn files name the recovery wait `retry_wait` (Krkn's kube/container_dns.yml)."""
        if isinstance(data, dict) and "retry_wait" in data:
            data = dict(data)
            wait = data.pop("retry_wait")
            data.setdefault("expected_recovery_time", wait)
        return data

    @model_validator(mode="after")
    def _targets(self) -> ContainerKill:
        if self.pod_names and self.namespace == "*":
            raise ValueError("pod_names needs an explicit namespace, not '*'")
        if self.pod_names and self.label_selector:
            raise ValueError("set label_selector or pod_names, not both")
        if self.namespace == "*" and not self.label_selector:
            raise ValueError(
                "namespace '*' needs a label_selector (otherwise every pod of the cluster "
                "is a target)"
            )
        return self

    @property
    def signal_name(self) -> str:
        return f"SIG{SIGNALS[self.action - 1]}"

    @property
    def title(self) -> str:
        return self.name or f"{self.signal_name} to {self.count} container(s)"


class ContainerScenariosSpec(SpecModel):
    scenarios: Annotated[list[ContainerKill], Field(min_length=1)]
    """The containers to signal, one entry each, run in order."""
