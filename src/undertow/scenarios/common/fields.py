"""Field types shared by the scenario spec models.

Every scenario file is validated by a pydantic model built from these, so a bad regex,
selector or negative duration is reported with its field path before the run starts.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from undertow.config.names import (
    validate_namespace,
    validate_node_name,
    validate_service_name,
)
from undertow.scenarios.common.selectors import parse_selector, validate_key, validate_value


class SpecModel(BaseModel):
    """Base of every scenario spec model: unknown keys are errors, values are not coerced
    between unrelated types (a string is never silently a number)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, use_attribute_docstrings=True
    )


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
    return value


def _check_selector(value: str) -> str:
    parse_selector(value)
    return value


def _blank_to_empty(value: object) -> object:
    """Krkn files leave optional string fields empty (`node_name:` → null)."""
    return "" if value is None else value


# What a file may hold where these types stand: the JSON Schema says so, so that
# `scenarios schema` and `scenarios explain` accept exactly what validation accepts.
_BLANK_OR_TEXT = BeforeValidator(_blank_to_empty, json_schema_input_type=str | None)

Regex = Annotated[str, _BLANK_OR_TEXT, AfterValidator(_check_regex)]
"""A Python regular expression, matched with `re.match` (anchored at the start) as Krkn does."""

LabelSelector = Annotated[str, _BLANK_OR_TEXT, AfterValidator(_check_selector)]
"""A Kubernetes label selector string; empty means "no selector"."""

OptionalText = Annotated[str, _BLANK_OR_TEXT]

NamespaceName = Annotated[str, AfterValidator(validate_namespace)]
ServiceName = Annotated[str, AfterValidator(validate_service_name)]
NodeName = Annotated[str, AfterValidator(validate_node_name)]


def _check_node_names(value: str) -> str:
    for name in value.split(","):
        if name.strip():
            validate_node_name(name.strip())
    return value


NodeNames = Annotated[str, _BLANK_OR_TEXT, AfterValidator(_check_node_names)]
"""Node names separated by commas (Krkn's `node_name`); empty means none."""

LabelKey = Annotated[str, AfterValidator(validate_key)]


def _label_value(value: str) -> str:
    return validate_value(value)


LabelValue = Annotated[str, AfterValidator(_label_value)]

Seconds = Annotated[
    float, Field(ge=0, strict=True, allow_inf_nan=False, json_schema_extra={"x-unit": "seconds"})
]
"""A duration in seconds, >= 0."""

Count = Annotated[int, Field(ge=0, strict=True)]
PositiveCount = Annotated[int, Field(ge=1, strict=True)]


def undertow_only() -> Any:
    """Marks a field undertow adds to Krkn's format (`scenarios explain` says so)."""
    return Field(json_schema_extra={"x-undertow": True})


def krkn_also(*names: str) -> Any:
    """Marks a field Krkn's files may also spell another way (a separate, older key)."""
    return Field(json_schema_extra={"x-krkn-names": list(names)})
