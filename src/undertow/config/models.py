"""Pydantic models of the two config formats undertow reads.

* Krkn's `config.yaml`: the `kraken`, `tunings`, `health_checks`, `cerberus`,
  `resiliency` and `performance_monitoring` sections are honoured (see
  `undertow.config.judging` and `undertow.config.performance`), and an `undertow` section
  holds undertow's own settings Krkn has no key for (`heartbeat`); the other
  sections and keys Krkn knows are accepted and reported once as ignored.
* undertow's own config: flat, strict, the same scenario list shape as Krkn's.

`chaos_scenarios` / `scenarios` are typed `Any` here on purpose: their shape is checked by
`undertow.config.scenario_list`, which gives more precise messages than a union model would.
Defaults live here and nowhere else.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from undertow.config.control import DEFAULT_CONTROL_ADDRESS, DEFAULT_CONTROL_PORT, RunControlSection
from undertow.config.judging import CerberusSection, HealthChecksSection, ResiliencySection
from undertow.config.names import validate_namespace
from undertow.config.performance import PerformanceMonitoringSection

DEFAULT_RETENTION_DAYS = 7.0
"""Days executed version files are kept (`undertow.rollback.retention`)."""
DEFAULT_WAIT_DURATION = 60.0
"""Seconds between scenario files; Krkn's code default, kept so Krkn configs behave the same."""


class Tunings(BaseModel):
    """How often and how fast scenarios run (Krkn's `tunings` section)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    iterations: int = Field(1, ge=1, description="Passes over the whole scenario list.")
    wait_duration: float = Field(
        DEFAULT_WAIT_DURATION, ge=0, description="Seconds to wait between scenario files."
    )
    daemon_mode: bool = Field(False, description="Repeat the list until interrupted.")


class KrakenSection(BaseModel):
    """The part of Krkn's `kraken` section undertow implements."""

    model_config = ConfigDict(extra="forbid")

    kubeconfig_path: str | None = None
    chaos_scenarios: Any = None
    exit_on_failure: bool = False
    auto_rollback: bool = Field(
        True, description="undertow's default is on, also when the key is missing."
    )
    rollback_versions_directory: str | None = None
    publish_kraken_status: bool = Field(False, description="Serve the run control endpoint.")
    signal_state: Literal["RUN", "PAUSE"] = "RUN"
    signal_address: str | None = Field(
        None, description=f"Address of the run control endpoint ({DEFAULT_CONTROL_ADDRESS})."
    )
    port: int = Field(DEFAULT_CONTROL_PORT, ge=0, le=65535)
    generate_pdf_report: bool = Field(False, description="Also print report.html to report.pdf.")

    def control(self, token: str | None) -> RunControlSection:
        """Krkn's run control keys as undertow's `control` section."""
        return RunControlSection(
            enabled=self.publish_kraken_status,
            signal_state=self.signal_state,
            address=self.signal_address or DEFAULT_CONTROL_ADDRESS,
            port=self.port,
            token=token,
        )


class RollbackSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto: bool = Field(True, description="Undo a failed or interrupted scenario's changes.")
    versions_directory: str | None = Field(
        None, description="Where version files are written; default $XDG_STATE_HOME/undertow."
    )
    journal_key: str | None = Field(
        None,
        description=(
            "File with the key that signs version files; default "
            "$XDG_CONFIG_HOME/undertow/journal.key (created on first use)."
        ),
    )
    executed_retention_days: float = Field(
        DEFAULT_RETENTION_DAYS,
        ge=0,
        allow_inf_nan=False,
        description="Days an executed version file is kept as history (it may hold the "
        "snapshot of a Secret); older ones are deleted by the next run or rollback command.",
    )


DEFAULT_HEARTBEAT_INTERVAL = 10.0
DEFAULT_HEARTBEAT_GRACE = 60
DEFAULT_HEARTBEAT_NAMESPACE = "undertow"
"""The namespace deploy/rbac.yaml creates for undertow's own objects."""


class HeartbeatSection(BaseModel):
    """The Lease a running run renews (`undertow.runner.heartbeat`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval: float = Field(
        DEFAULT_HEARTBEAT_INTERVAL,
        gt=0,
        allow_inf_nan=False,
        description="Seconds between two renewals of the run's Lease.",
    )
    grace: int = Field(
        DEFAULT_HEARTBEAT_GRACE,
        ge=1,
        description="The Lease's leaseDurationSeconds: unrenewed this long, the run is dead.",
    )
    namespace: str = Field(
        DEFAULT_HEARTBEAT_NAMESPACE,
        min_length=1,
        max_length=63,
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
        description="Namespace of the Lease (it must exist).",
    )
    journal_copy: Literal["auto", "off"] = Field(
        "auto",
        description="Also write each version file's undo data into this namespace (a "
        "ConfigMap, or a Secret for snapshots, per run) before its change, so "
        "`rollback execute --from-cluster` and the guardian can restore the run from any "
        "machine. auto: on when the namespace exists; off: never.",
    )

    @model_validator(mode="after")
    def _grace_exceeds_interval(self) -> HeartbeatSection:
        if self.grace <= self.interval:
            raise ValueError(f"grace ({self.grace}) must be longer than interval ({self.interval})")
        return self


ProtectedNamespaces = list[Annotated[str, AfterValidator(validate_namespace)]]
ALLOW_PROTECTED_HELP = (
    "Protected namespaces (kube-system, kube-public, kube-node-lease and undertow's own, "
    "heartbeat.namespace) scenarios may change; by default none."
)

MAX_TARGETS_HELP = "The most targets (pods, nodes, namespaces) one scenario selection may hold."


class KrknUndertowSection(BaseModel):
    """The `undertow` section of a Krkn config: undertow's own settings Krkn has no key for."""

    model_config = ConfigDict(extra="forbid")

    heartbeat: HeartbeatSection = Field(default_factory=HeartbeatSection)
    control_token: str | None = Field(
        None, min_length=16, description="The run control endpoint's bearer token."
    )
    allow_protected_namespaces: ProtectedNamespaces = Field(
        default_factory=list, description=ALLOW_PROTECTED_HELP
    )
    max_targets: int | None = Field(None, ge=1, description=MAX_TARGETS_HELP)


class ReportSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directory: str | None = Field(
        None, description="Write report.json, junit.xml and report.html here."
    )
    pdf: bool = Field(False, description="Also print report.html to report.pdf (Chromium).")


class NativeConfig(BaseModel):
    """undertow's own config file."""

    model_config = ConfigDict(extra="forbid")

    scenarios: Any = None
    kubeconfig: str | None = None
    context: str | None = None
    exit_on_failure: bool = Field(False, description="Stop the run at the first failed scenario.")
    strict: bool = Field(
        True,
        description="Findings (problems Krkn never checks, e.g. a namespace not back within "
        "wait_time) fail their scenario; false reports them and keeps Krkn's verdict.",
    )
    rollback: RollbackSection = Field(default_factory=RollbackSection)
    tunings: Tunings = Field(default_factory=Tunings)
    report: ReportSection = Field(default_factory=ReportSection)
    heartbeat: HeartbeatSection = Field(default_factory=HeartbeatSection)
    control: RunControlSection = Field(default_factory=RunControlSection)
    images: dict[Annotated[str, Field(min_length=1)], Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict,
        description="Image substitutions for the pods undertow creates (hijacker, helpers): "
        "image reference or repository -> image to run instead.",
    )
    health_checks: HealthChecksSection | None = None
    cerberus: CerberusSection | None = None
    resiliency: ResiliencySection = Field(default_factory=ResiliencySection)
    performance_monitoring: PerformanceMonitoringSection | None = None
    allow_protected_namespaces: ProtectedNamespaces = Field(
        default_factory=list, description=ALLOW_PROTECTED_HELP
    )
    max_targets: int | None = Field(None, ge=1, description=MAX_TARGETS_HELP)


KRKN_IGNORED_SECTIONS = frozenset(
    {
        "elastic",
        "telemetry",
        "kubevirt_checks",
        "object_state_checks",
        "triggers",
    }
)
"""Top-level Krkn sections undertow accepts but does not act on."""

KRKN_IGNORED_KRAKEN_KEYS = frozenset(
    {
        "distribution",
        "litmus_version",
        "litmus_uninstall",
        "litmus_install",
        "litmus_uninstall_before_run",
    }
)
"""Keys of Krkn's `kraken` section undertow accepts but does not act on."""
