"""The typed result of loading a config: what the runner and commands consume."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from undertow.config.control import RunControlSection
from undertow.config.judging import CerberusSection, HealthChecksSection, ResiliencySection
from undertow.config.kubeconfig import KubeconfigSetting
from undertow.config.models import (
    DEFAULT_HEARTBEAT_NAMESPACE,
    DEFAULT_RETENTION_DAYS,
    HeartbeatSection,
)
from undertow.config.performance import PrometheusSettings
from undertow.errors import ConfigIssue


@dataclass(frozen=True)
class ScenarioFileRef:
    """One scenario file named in the config, with where it was named."""

    scenario_type: str
    path: Path
    written: str
    config_file: Path
    field: str
    line: int | None = None
    declared_type: str = ""
    candidates: tuple[Path, ...] = ()

    def issue(self, message: str) -> ConfigIssue:
        """An issue pointing at the config entry that names this file."""
        return ConfigIssue(str(self.config_file), self.field, message, line=self.line)


@dataclass(frozen=True)
class RollbackSettings:
    versions_directory: Path
    journal_key: Path
    """The key that signs version files (`undertow.rollback.signing`)."""
    auto: bool = True
    executed_retention_days: float = DEFAULT_RETENTION_DAYS


@dataclass(frozen=True)
class TuningSettings:
    iterations: int = 1
    wait_duration: float = 60.0
    daemon_mode: bool = False


@dataclass(frozen=True)
class Connection:
    """Where a command finds the journal and the cluster: the part of the settings the
    `rollback` commands need (they run without a config file too)."""

    versions_directory: Path
    journal_key: Path
    kubeconfig: KubeconfigSetting | None = None
    """Named by the flag, UNDERTOW_KUBECONFIG or the file; `choose_kubeconfig` does the rest."""
    context: str | None = None
    executed_retention_days: float = DEFAULT_RETENTION_DAYS
    heartbeat_namespace: str = DEFAULT_HEARTBEAT_NAMESPACE
    """Where runs keep their Lease and their journal's cluster copy."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, validated, with overrides applied."""

    source: Path
    scenarios: tuple[ScenarioFileRef, ...]
    rollback: RollbackSettings
    tunings: TuningSettings
    exit_on_failure: bool = False
    strict: bool = False
    """Findings (problems Krkn never checks) fail their scenario; else they are reported."""
    kubeconfig: KubeconfigSetting | None = None
    """Named by the flag, UNDERTOW_KUBECONFIG or the file; `choose_kubeconfig` does the rest."""
    context: str | None = None
    report_directory: Path | None = None
    ignored: tuple[str, ...] = ()
    images: Mapping[str, str] = field(default_factory=dict)  # undertow.config.helper_pods
    health_checks: HealthChecksSection | None = None
    cerberus: CerberusSection | None = None
    resiliency: ResiliencySection = field(default_factory=ResiliencySection)
    heartbeat: HeartbeatSection = field(default_factory=HeartbeatSection)
    prometheus: PrometheusSettings | None = None
    """Krkn's alert and metrics profiles, evaluated over each scenario's window."""
    control: RunControlSection = field(default_factory=RunControlSection)
    """The run control endpoint (RUN/PAUSE/STOP)."""
    pdf_report: bool = False
    """Also print report.html to report.pdf (Krkn's generate_pdf_report)."""
    runs_directory: Path | None = None
    """Where a running run keeps its state (its control endpoint's address and token)."""
    allow_protected_namespaces: tuple[str, ...] = ()
    """Protected namespaces scenarios may change (`undertow.rollback.protected`)."""
    max_targets: int | None = None
    """The most targets one scenario selection may hold; None: no cap."""

    @property
    def connection(self) -> Connection:
        return Connection(
            self.rollback.versions_directory,
            self.rollback.journal_key,
            self.kubeconfig,
            self.context,
            self.rollback.executed_retention_days,
            self.heartbeat.namespace,
        )


def default_versions_directory(env: Mapping[str, str]) -> Path:
    """$XDG_STATE_HOME/undertow/rollback, or ~/.local/state/undertow/rollback."""
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "undertow" / "rollback"


def default_runs_directory(env: Mapping[str, str]) -> Path:
    """$XDG_STATE_HOME/undertow/runs: one directory per running run (`undertow ctl`)."""
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "undertow" / "runs"


JOURNAL_KEY_ENV = "UNDERTOW_JOURNAL_KEY"


def default_journal_key(env: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME/undertow/journal.key, or ~/.config/undertow/journal.key: outside the
    versions dir, so whoever can write version files cannot also sign them."""
    config = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "undertow" / "journal.key"
