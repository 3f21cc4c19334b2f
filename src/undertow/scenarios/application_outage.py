"""`application_outages_scenarios`: a deny-all NetworkPolicy on the selected pods for
`duration` seconds, then removed (through the same undo step a rollback would run).

File format (Krkn's): top key `application_outage:`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator

from undertow.scenarios.common.fields import Seconds, SpecModel
from undertow.scenarios.common.selectors import (
    parse_selector,
    selector_from_map,
    validate_key,
    validate_value,
)


def _exclusions(value: object) -> object:
    """Krkn accepts `exclude_label` as a map, a `k=v,k2=a|b` string or a list of `k=v`;
    all become `{key: [values]}` (each a `NotIn` match expression)."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        value = [
            f"{k}={'|'.join(map(str, v)) if isinstance(v, list) else v}" for k, v in value.items()
        ]
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError("expected a map, a 'k=v,k2=a|b' string or a list of 'k=v'")
    result: dict[str, list[str]] = {}
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            raise ValueError(f"expected 'key=value', got {item!r}")
        key, _, values = item.partition("=")
        result.setdefault(key.strip(), []).extend(v.strip() for v in values.split("|"))
    return result


class ApplicationOutage(SpecModel):
    namespace: Annotated[str, Field(min_length=1)]
    pod_selector: dict[str, str] = {}
    block: Annotated[list[Literal["Ingress", "Egress"]], Field(min_length=1)] = [
        "Ingress",
        "Egress",
    ]
    duration: Seconds = 60
    exclude_label: Annotated[dict[str, list[str]], BeforeValidator(_exclusions)] = {}

    @field_validator("pod_selector")
    @classmethod
    def _valid_labels(cls, value: dict[str, str]) -> dict[str, str]:
        selector_from_map(value)
        return value

    @field_validator("block")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each policy type may appear once")
        return value

    @field_validator("exclude_label")
    @classmethod
    def _valid_exclusions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, values in value.items():
            validate_key(key)
            for item in values:
                validate_value(item, key)
        return value

    def pod_selector_string(self) -> str:
        """The policy's pod selection as a label selector string (for listing the pods)."""
        parts = [f"{k}={v}" for k, v in self.pod_selector.items()]
        parts += [f"{k} notin ({','.join(v)})" for k, v in self.exclude_label.items()]
        text = ",".join(parts)
        parse_selector(text)
        return text


class ApplicationOutageSpec(SpecModel):
    application_outage: ApplicationOutage
