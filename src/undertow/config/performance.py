"""Krkn's `performance_monitoring` section and its alert profile.

The alert profile is Krkn's: a YAML list of `{expr, description, severity}`. It is read and
validated at load time with the config, so a missing or malformed profile is bad input
(exit 2) before anything touches the cluster. Keys of the section undertow does not act on
(Krkn's kube-burner era keys, `enable_metrics`, ...) are reported once as ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from undertow.config.issues import describe, issues_from_validation
from undertow.config.yamlfile import YamlDocument, load_yaml
from undertow.errors import ConfigError, ConfigIssue

Severity = Literal["debug", "info", "warning", "error", "critical"]
FAILING_SEVERITIES = frozenset({"error", "critical"})
"""An alert of these severities that fires fails its scenario (Krkn exits 1 on them)."""

ACTED_ON_KEYS = frozenset(
    {"prometheus_url", "prometheus_bearer_token", "enable_alerts", "alert_profile", "timeout"}
)


class AlertRule(BaseModel):
    """One entry of Krkn's alert profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expr: str = Field(min_length=1, description="PromQL; any series with a non-zero value fires.")
    description: str = Field(
        description="Shown when it fires; `{{$value}}` and `{{$labels.<name>}}` are filled in."
    )
    severity: Severity

    @property
    def fails_run(self) -> bool:
        return self.severity in FAILING_SEVERITIES


class PerformanceMonitoringSection(BaseModel):
    """Krkn's `performance_monitoring` section; undertow acts on the alert keys."""

    model_config = ConfigDict(extra="allow", frozen=True)

    prometheus_url: HttpUrl | None = None
    prometheus_bearer_token: str | None = Field(None, description="Sent as a Bearer token.")
    enable_alerts: bool = False
    alert_profile: str | None = Field(None, description="Krkn's alert profile (a YAML list).")
    timeout: float = Field(30.0, gt=0, description="Seconds one Prometheus query may take.")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, value: object) -> object:
        """Krkn's template leaves keys empty (`prometheus_url:`): they take their default."""
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if v is not None and v != ""}
        return value

    @field_validator("enable_alerts", mode="before")
    @classmethod
    def _krkn_capitalised(cls, value: object) -> object:
        return value.lower() == "true" if isinstance(value, str) else value

    @model_validator(mode="after")
    def _alerts_need_prometheus(self) -> PerformanceMonitoringSection:
        if self.enable_alerts and self.prometheus_url is None:
            raise ValueError("enable_alerts is true but prometheus_url is not set")
        if self.enable_alerts and self.alert_profile is None:
            raise ValueError("enable_alerts is true but alert_profile is not set")
        return self

    @property
    def ignored_keys(self) -> tuple[str, ...]:
        """Keys given that undertow accepts without acting on them."""
        extra = self.model_extra or {}
        return tuple(sorted(key for key, value in extra.items() if value not in (False, None)))


_PROFILE = TypeAdapter(list[AlertRule])


def read_alert_profile(path: Path) -> tuple[AlertRule, ...]:
    """The rules of one alert profile; ConfigError naming the file and the field."""
    doc = load_yaml(path)
    if not isinstance(doc.data, list) or not doc.data:
        message = f"expected a list of {{expr, description, severity}}, got {describe(doc.data)}"
        raise ConfigError([doc.issue((), message)])
    try:
        return tuple(_PROFILE.validate_python(doc.data))
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(doc, exc)) from None


def alert_settings(
    section: PerformanceMonitoringSection | None,
    doc: YamlDocument,
    candidates: tuple[Path, ...],
) -> tuple[AlertSettings | None, list[ConfigIssue]]:
    """The alert settings when alerts are enabled, with the profile read from the first of
    `candidates` that exists; issues name the config field or the profile's own fields."""
    if section is None or not section.enable_alerts or section.prometheus_url is None:
        return None, []
    profile = next((path for path in candidates if path.exists()), None)
    if profile is None:
        looked = ", ".join(str(path) for path in candidates)
        loc = ("performance_monitoring", "alert_profile")
        return None, [doc.issue(loc, f"alert profile not found (looked for {looked})")]
    try:
        rules = read_alert_profile(profile)
    except ConfigError as exc:
        return None, list(exc.issues)
    settings = AlertSettings(
        prometheus_url=str(section.prometheus_url).rstrip("/"),
        bearer_token=section.prometheus_bearer_token,
        timeout=section.timeout,
        profile=profile,
        rules=rules,
    )
    return settings, []


@dataclass(frozen=True)
class AlertSettings:
    """What the judge needs to evaluate the alert profile over each scenario's window."""

    prometheus_url: str
    bearer_token: str | None
    timeout: float
    profile: Path
    rules: tuple[AlertRule, ...]
