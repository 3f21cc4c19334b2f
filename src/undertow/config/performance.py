"""Krkn's `performance_monitoring` section and its alert and metrics profiles.

The alert profile is Krkn's: a YAML list of `{expr, description, severity, weight}`; the metrics
profile a mapping with a `metrics:` list of `{query, metricName, instant}`. Both are read and
validated at load time with the config, so a missing or malformed profile is bad input
(exit 2) before anything touches the cluster. Keys of the section undertow does not act on
(Krkn's kube-burner era keys, `check_critical_alerts`, ...) are reported once as ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

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


class AlertRule(BaseModel):
    """One entry of Krkn's alert profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expr: str = Field(min_length=1, description="PromQL; any series with a non-zero value fires.")
    description: str = Field(
        description="Shown when it fires; `{{$value}}` and `{{$labels.<name>}}` are filled in."
    )
    severity: Severity
    weight: float | None = Field(
        None,
        gt=0,
        strict=True,
        description="Points in the resiliency score instead of its severity's; 0.5 is fine.",
    )

    @property
    def fails_run(self) -> bool:
        return self.severity in FAILING_SEVERITIES


class Slo(BaseModel):
    """One entry of Krkn's `resiliency_file` (often the alert profile itself, so its
    severities are read too): it fails when its expression fires over the scenario's window,
    which lowers the score but does not fail the run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expr: str = Field(min_length=1, description="PromQL; any series with a non-zero value fires.")
    description: str
    severity: Severity = Field(description="critical: 3 points; any other: 1, as in Krkn.")
    weight: float | None = Field(
        None,
        gt=0,
        strict=True,
        description="Points in the resiliency score instead of its severity's; 0.5 is fine.",
    )


class PerformanceMonitoringSection(BaseModel):
    """Krkn's `performance_monitoring` section; undertow acts on the alert and metrics keys."""

    model_config = ConfigDict(extra="allow", frozen=True)

    prometheus_url: HttpUrl | None = None
    prometheus_bearer_token: str | None = Field(None, description="Sent as a Bearer token.")
    enable_alerts: bool = False
    alert_profile: str | None = Field(None, description="Krkn's alert profile (a YAML list).")
    enable_metrics: bool = False
    metrics_profile: str | None = Field(None, description="Krkn's metrics profile.")
    timeout: float = Field(30.0, gt=0, description="Seconds one Prometheus query may take.")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, value: object) -> object:
        """Krkn's template leaves keys empty (`prometheus_url:`): they take their default."""
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if v is not None and v != ""}
        return value

    @field_validator("enable_alerts", "enable_metrics", mode="before")
    @classmethod
    def _krkn_capitalised(cls, value: object) -> object:
        return value.lower() == "true" if isinstance(value, str) else value

    @model_validator(mode="after")
    def _alerts_need_prometheus(self) -> PerformanceMonitoringSection:
        if self.enable_alerts and self.prometheus_url is None:
            raise ValueError("enable_alerts is true but prometheus_url is not set")
        if self.enable_alerts and self.alert_profile is None:
            raise ValueError("enable_alerts is true but alert_profile is not set")
        if self.enable_metrics and self.prometheus_url is None:
            raise ValueError("enable_metrics is true but prometheus_url is not set")
        if self.enable_metrics and self.metrics_profile is None:
            raise ValueError("enable_metrics is true but metrics_profile is not set")
        return self

    @property
    def ignored_keys(self) -> tuple[str, ...]:
        """Keys given that undertow accepts without acting on them."""
        extra = self.model_extra or {}
        return tuple(sorted(key for key, value in extra.items() if value not in (False, None)))


class MetricQuery(BaseModel):
    """One entry of Krkn's metrics profile: `.elapsed` in the query becomes the window's
    length in whole minutes (rounded up), as Krkn does."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    query: str = Field(min_length=1)
    metric_name: str = Field(alias="metricName", min_length=1)
    instant: bool = Field(False, description="One value at the window's end, not a range.")


T = TypeVar("T")
_PROFILE = TypeAdapter(list[AlertRule])
_SLOS = TypeAdapter(list[Slo])
_METRICS = TypeAdapter(list[MetricQuery])


def read_alert_profile(path: Path) -> tuple[AlertRule, ...]:
    """The rules of one alert profile; ConfigError naming the file and the field."""
    return _read_rule_list(path, _PROFILE)


def read_slo_file(path: Path) -> tuple[Slo, ...]:
    """The SLOs of a `resiliency_file` (a list, like the alert profile); ConfigError naming
    the file and the field."""
    return _read_rule_list(path, _SLOS)


def _read_rule_list(path: Path, adapter: TypeAdapter[list[T]]) -> tuple[T, ...]:
    doc = load_yaml(path)
    if not isinstance(doc.data, list) or not doc.data:
        message = f"expected a list of {{expr, description, severity}}, got {describe(doc.data)}"
        raise ConfigError([doc.issue((), message)])
    try:
        return tuple(adapter.validate_python(doc.data))
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(doc, exc)) from None


def read_metrics_profile(path: Path) -> tuple[MetricQuery, ...]:
    """The queries of one metrics profile (`metrics:` list); ConfigError naming the field."""
    doc = load_yaml(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), list):
        message = f"expected a mapping with a `metrics:` list, got {describe(data)}"
        raise ConfigError([doc.issue(("metrics",) if isinstance(data, dict) else (), message)])
    try:
        return tuple(_METRICS.validate_python(data["metrics"]))
    except ValidationError as exc:
        raise ConfigError(issues_from_validation(doc, exc, prefix=("metrics",))) from None


Resolve = Callable[[str], tuple[Path, ...]]


def prometheus_settings(
    section: PerformanceMonitoringSection,
    doc: YamlDocument,
    resolve: Resolve,
    slo_file: str | None = None,
) -> tuple[PrometheusSettings | None, list[ConfigIssue]]:
    """The Prometheus settings when alerts or metrics are enabled or a `resiliency_file` of
    SLOs is given, each file read from the first of its `resolve`d candidate paths that
    exists; issues name the config field or the file's own fields."""
    if slo_file is not None and section.prometheus_url is None:
        message = "resiliency_file needs performance_monitoring.prometheus_url to evaluate its SLOs"
        return None, [doc.issue(_SLO_FILE, message)]
    wanted = section.enable_alerts or section.enable_metrics or slo_file is not None
    if section.prometheus_url is None or not wanted:
        return None, []
    issues: list[ConfigIssue] = []
    slos: tuple[Slo, ...] | None = None
    if slo_file is not None:
        slos = _read(doc, _SLO_FILE, resolve(slo_file), read_slo_file, issues)
    rules: tuple[AlertRule, ...] = ()
    metrics: tuple[MetricQuery, ...] = ()
    if section.enable_alerts and section.alert_profile is not None:
        rules = _read(
            doc, _ALERT_PROFILE, resolve(section.alert_profile), read_alert_profile, issues
        )
    if section.enable_metrics and section.metrics_profile is not None:
        metrics = _read(
            doc, _METRICS_PROFILE, resolve(section.metrics_profile), read_metrics_profile, issues
        )
    if issues:
        return None, issues
    settings = PrometheusSettings(
        prometheus_url=str(section.prometheus_url).rstrip("/"),
        bearer_token=section.prometheus_bearer_token,
        timeout=section.timeout,
        rules=rules,
        metrics=metrics,
        slos=slos,
    )
    return settings, []


_SLO_FILE = ("resiliency", "resiliency_file")
_ALERT_PROFILE = ("performance_monitoring", "alert_profile")
_METRICS_PROFILE = ("performance_monitoring", "metrics_profile")


def _read(
    doc: YamlDocument,
    loc: tuple[str, str],
    candidates: tuple[Path, ...],
    read: Callable[[Path], tuple[T, ...]],
    issues: list[ConfigIssue],
) -> tuple[T, ...]:
    profile = next((path for path in candidates if path.exists()), None)
    if profile is None:
        looked = ", ".join(str(path) for path in candidates)
        what = loc[-1].replace("_", " ")
        issues.append(doc.issue(loc, f"{what} not found (looked for {looked})"))
        return ()
    try:
        return read(profile)
    except ConfigError as exc:
        issues.extend(exc.issues)
        return ()


@dataclass(frozen=True)
class PrometheusSettings:
    """What the judge needs to evaluate the profiles over each scenario's window."""

    prometheus_url: str
    bearer_token: str | None
    timeout: float
    rules: tuple[AlertRule, ...] = ()
    metrics: tuple[MetricQuery, ...] = ()
    slos: tuple[Slo, ...] | None = None
    """The `resiliency_file`'s SLOs; None without one (the alert profile is scored)."""
