"""`service_hijacking_scenarios`: point a Service at a hijacker pod that answers with a
time-based plan of responses for `chaos_duration`, then restore the Service's selector and
remove the pod and its ConfigMap (Krkn leaks the ConfigMap).

File format (Krkn's): flat top-level keys.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from undertow.scenarios.common.fields import Seconds, SpecModel

DEFAULT_IMAGE = "python:3.12-alpine"
"""Any image with `python3` runs undertow's stdlib-only hijacker (Krkn's image included)."""


class HijackStep(SpecModel):
    duration: Seconds | None = None
    status: Annotated[int, Field(ge=100, le=599, strict=True)] = 200
    mime_type: str = "text/plain"
    payload: str = ""
    headers: dict[str, str] = {}


class HijackResource(SpecModel):
    resource: Annotated[str, Field(pattern=r"^/")]
    steps: dict[str, Annotated[list[HijackStep], Field(min_length=1)]]

    @field_validator("steps")
    @classmethod
    def _methods(cls, value: dict[str, list[HijackStep]]) -> dict[str, list[HijackStep]]:
        if not value:
            raise ValueError("at least one HTTP method with steps is required")
        for method in value:
            if not method.isascii() or not method.isalpha() or not method.isupper():
                raise ValueError(f"HTTP method {method!r} must be upper-case letters")
        return value


class ServiceHijackingSpec(SpecModel):
    service_name: Annotated[str, Field(min_length=1)]
    service_namespace: Annotated[str, Field(min_length=1)]
    service_target_port: (
        Annotated[int, Field(ge=1, le=65535, strict=True)]
        | Annotated[str, Field(min_length=1, max_length=15)]
    )
    image: str = DEFAULT_IMAGE
    chaos_duration: Seconds = 60
    privileged: bool = True
    plan: Annotated[list[HijackResource], Field(min_length=1)]

    @field_validator("plan")
    @classmethod
    def _unique_resources(cls, value: list[HijackResource]) -> list[HijackResource]:
        seen = [r.resource for r in value]
        if len(set(seen)) != len(seen):
            raise ValueError("each resource may appear once in the plan")
        return value

    def plan_document(self) -> list[dict[str, object]]:
        """The plan as the hijacker server reads it (Krkn's shape, JSON-serialisable)."""
        return [r.model_dump(mode="json") for r in self.plan]
