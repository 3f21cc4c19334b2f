"""Models of the sections that judge a run: `health_checks`, `cerberus`, `resiliency`.

Krkn's keys and spellings are kept (including `check_application_routes`); undertow's
additions (`recovery_timeout`, `timeout`, `name`) have defaults that leave a Krkn config's
meaning unchanged. Defaults live here and nowhere else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    field_validator,
    model_validator,
)

DEFAULT_HEALTH_INTERVAL = 2.0
"""Seconds between two samples of every target; Krkn's default."""


class HttpCheck(BaseModel):
    """One URL polled during and after each scenario; 200 is healthy, anything else is not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: HttpUrl
    name: str | None = Field(None, description="Shown in reports; default: the URL.")
    bearer_token: str | None = Field(None, description="Sent as `Authorization: Bearer …`.")
    auth: str | None = Field(None, description='Basic auth as "user,password" (Krkn\'s shape).')
    exit_on_failure: bool = Field(
        False, description="A failed sample fails the run (exit 1), after rolling back."
    )
    verify_url: bool = Field(True, description="Verify the server's TLS certificate.")
    timeout: float = Field(3.0, gt=0, description="Seconds one request may take; Krkn's 3.")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, value: object) -> object:
        """Krkn's template leaves keys empty (`exit_on_failure:`): they take their default."""
        if isinstance(value, dict):
            return {key: item for key, item in value.items() if item is not None}
        return value

    @field_validator("auth")
    @classmethod
    def _user_and_password(cls, value: str | None) -> str | None:
        if value is not None and "," not in value:
            raise ValueError('expected "user,password"')
        return value

    @property
    def label(self) -> str:
        return self.name or str(self.url)


class PodsReady(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    namespace: str = Field(min_length=1)
    label_selector: str = Field("", description="Pods of the namespace matching it; all if empty.")


class KubernetesCheck(BaseModel):
    """undertow's extension: a workload sampled like an HTTP target. Exactly one of
    `deployment` (healthy when all its replicas are ready) or `pods_ready` (healthy when at
    least one pod matches and every matching pod is Ready)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deployment: str | None = Field(
        None, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"
    )
    pods_ready: PodsReady | None = None
    name: str | None = Field(None, description="Shown in reports; default: what is checked.")
    exit_on_failure: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> KubernetesCheck:
        if (self.deployment is None) == (self.pods_ready is None):
            raise ValueError(
                "expected exactly one of `deployment` (namespace/name) or `pods_ready`"
            )
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.deployment is not None:
            return f"deployment {self.deployment}"
        assert self.pods_ready is not None
        selector = self.pods_ready.label_selector or "all pods"
        return f"pods {self.pods_ready.namespace}/{selector}"


class HealthChecksSection(BaseModel):
    """Krkn's `health_checks` section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval: float = Field(
        DEFAULT_HEALTH_INTERVAL, gt=0, description="Seconds between samples of every target."
    )
    config: tuple[HttpCheck, ...] = ()
    kubernetes_checks: tuple[KubernetesCheck, ...] = Field(
        (), description="undertow's extension: Deployments and pods sampled like HTTP targets."
    )
    recovery_timeout: float = Field(
        60.0,
        ge=0,
        description="After a scenario (and its rollback), keep sampling at most this long "
        "for unhealthy targets to recover.",
    )

    @field_validator("interval", mode="before")
    @classmethod
    def _krkn_null_interval(cls, value: object) -> object:
        return DEFAULT_HEALTH_INTERVAL if value is None else value  # Krkn: empty means 2

    @field_validator("config", "kubernetes_checks", mode="before")
    @classmethod
    def _null_list(cls, value: object) -> object:
        return () if value is None else value

    @field_validator("config", mode="before")
    @classmethod
    def _skip_template_entries(cls, value: object) -> object:
        """Entries without a URL (Krkn's template: `- url:` left empty) check nothing."""
        if isinstance(value, list):
            return [e for e in value if not (isinstance(e, dict) and not e.get("url"))]
        return value


class CerberusSection(BaseModel):
    """Krkn's `cerberus` section: a go/no-go signal polled after each scenario."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cerberus_enabled: bool = False
    cerberus_url: HttpUrl | None = None
    check_application_routes: bool = Field(
        False,
        description="Also fail on routes Cerberus saw down during the scenario. Krkn's sample "
        "config spells it `check_applicaton_routes` (which Krkn never reads); both are read.",
        validation_alias=AliasChoices("check_application_routes", "check_applicaton_routes"),
    )
    timeout: float = Field(60.0, gt=0, description="Seconds one request may take; Krkn's 60.")

    @field_validator("cerberus_url", mode="before")
    @classmethod
    def _empty_url(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("check_application_routes", mode="before")
    @classmethod
    def _krkn_empty_string(cls, value: object) -> object:
        return False if value in ("", None) else value  # Krkn's sample has ""

    @model_validator(mode="after")
    def _url_when_enabled(self) -> CerberusSection:
        if self.cerberus_enabled and self.cerberus_url is None:
            raise ValueError("cerberus_enabled is true but cerberus_url is not set")
        return self


class ResiliencySection(BaseModel):
    """Krkn's `resiliency` section: whether a resiliency score is computed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    resiliency_run_mode: Literal["standalone", "detailed", "disabled"] = "standalone"
    resiliency_file: str | None = Field(
        None,
        description="Krkn's SLOs (a list like the alert profile), evaluated over each "
        "scenario's window and scored instead of the alert profile's rules.",
    )

    @property
    def enabled(self) -> bool:
        return self.resiliency_run_mode != "disabled"
