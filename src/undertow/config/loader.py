"""Load a config file (Krkn's `config.yaml` or undertow's own) into one typed `Settings`.

Every problem in the file and the environment is collected before raising, so a user fixes
them in one pass. Nothing here touches the cluster or needs a kubeconfig.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from undertow.config.control import RunControlSection
from undertow.config.env import EnvOverrides, read_env
from undertow.config.issues import describe, issues_from_validation
from undertow.config.judging import CerberusSection, HealthChecksSection, ResiliencySection
from undertow.config.kubeconfig import KubeconfigSetting, named_kubeconfig
from undertow.config.models import (
    DEFAULT_RETENTION_DAYS,
    KRKN_IGNORED_KRAKEN_KEYS,
    KRKN_IGNORED_SECTIONS,
    HeartbeatSection,
    KrakenSection,
    KrknUndertowSection,
    NativeConfig,
    Tunings,
)
from undertow.config.performance import (
    PerformanceMonitoringSection,
    PrometheusSettings,
    prometheus_settings,
)
from undertow.config.scenario_list import ScenarioList, candidate_paths, parse_scenario_list
from undertow.config.settings import (
    Connection,
    RollbackSettings,
    Settings,
    TuningSettings,
    default_journal_key,
    default_runs_directory,
    default_versions_directory,
)
from undertow.config.yamlfile import YamlDocument, format_loc, load_yaml
from undertow.errors import ConfigError, ConfigIssue

KRKN_JUDGING_SECTIONS: Mapping[str, type[BaseModel]] = {
    "health_checks": HealthChecksSection,
    "cerberus": CerberusSection,
    "resiliency": ResiliencySection,
    "performance_monitoring": PerformanceMonitoringSection,
}
KRKN_SECTIONS = frozenset(
    {"kraken", "tunings", "undertow", *KRKN_JUDGING_SECTIONS} | KRKN_IGNORED_SECTIONS
)


@dataclass(frozen=True)
class Overrides:
    """Values given on the command line; they win over the environment and the file."""

    kubeconfig: Path | None = None
    context: str | None = None
    versions_directory: Path | None = None
    report_directory: Path | None = None
    auto_rollback: bool | None = None
    strict: bool | None = None


@dataclass(frozen=True)
class _FileValues:
    """What the file says, in the shape both formats share."""

    scenarios: ScenarioList
    tunings: Tunings
    exit_on_failure: bool
    auto_rollback: bool
    kubeconfig: str | None
    context: str | None
    versions_directory: str | None
    report_directory: str | None
    ignored: list[str]
    journal_key: str | None = None
    strict: bool = False
    executed_retention_days: float | None = None
    images: Mapping[str, str] = field(default_factory=dict)
    health_checks: HealthChecksSection | None = None
    cerberus: CerberusSection | None = None
    resiliency: ResiliencySection = field(default_factory=ResiliencySection)
    heartbeat: HeartbeatSection = field(default_factory=HeartbeatSection)
    prometheus: PrometheusSettings | None = None
    control: RunControlSection = field(default_factory=RunControlSection)
    pdf_report: bool = False
    allow_protected_namespaces: tuple[str, ...] = ()
    max_targets: int | None = None


def load_connection(
    path: Path | None,
    *,
    overrides: Overrides | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Connection:
    """The versions dir, kubeconfig and context, resolved as `load_settings` does (flag >
    environment > config file > default); without a config file, from the rest."""
    if path is not None:
        return load_settings(path, overrides=overrides, env=env, cwd=cwd).connection
    env = os.environ if env is None else env
    overrides = overrides or Overrides()
    env_values, issues = read_env(env)
    if issues:
        raise ConfigError(issues)
    return Connection(
        versions_directory=_first(
            overrides.versions_directory,
            env_values.versions_directory,
            default_versions_directory(env),
        ),
        journal_key=_first(env_values.journal_key, default_journal_key(env)),
        kubeconfig=named_kubeconfig(overrides.kubeconfig, env_values.kubeconfig),
        context=_first(overrides.context, env_values.context),
        executed_retention_days=_first(env_values.executed_retention_days, DEFAULT_RETENTION_DAYS),
    )


def _first(*candidates: Any) -> Any:
    return next((value for value in candidates if value is not None), None)


def load_settings(
    path: Path,
    *,
    overrides: Overrides | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Read, validate and merge; raise ConfigError with every issue found."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    overrides = overrides or Overrides()
    doc = load_yaml(path)
    env_values, env_issues = read_env(env)
    fmt, values, issues = _read_file(doc, cwd)
    issues = issues + env_issues
    if issues or values is None:
        raise ConfigError(sorted(issues, key=lambda issue: (issue.file, issue.line or 0)))
    return _merge(doc, fmt, values=values, env_values=env_values, overrides=overrides, env=env)


def _read_file(doc: YamlDocument, cwd: Path) -> tuple[Any, _FileValues | None, list[ConfigIssue]]:
    data = doc.data
    if data is None:
        return "undertow", None, [doc.issue((), "empty file: expected a config mapping")]
    if not isinstance(data, dict):
        message = (
            "expected a mapping with a `kraken:` section (Krkn) or a `scenarios:` list "
            f"(undertow), got {describe(data)}"
        )
        return "undertow", None, [doc.issue((), message)]
    if "kraken" in data:
        values, issues = _read_krkn(doc, data, cwd)
        return "krkn", values, issues
    values, issues = _read_native(doc, data, cwd)
    return "undertow", values, issues


def _unknown_section(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(KRKN_SECTIONS), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown section {name!r} ({hint}known: {', '.join(sorted(KRKN_SECTIONS))})"


def _validate(
    doc: YamlDocument, model: type[BaseModel], data: Any, prefix: tuple[str, ...]
) -> tuple[Any, list[ConfigIssue]]:
    try:
        return model.model_validate({} if data is None else data), []
    except ValidationError as exc:
        return None, issues_from_validation(doc, exc, model=model, prefix=prefix)


def _read_krkn(
    doc: YamlDocument, data: dict[Any, Any], cwd: Path
) -> tuple[_FileValues | None, list[ConfigIssue]]:
    issues: list[ConfigIssue] = []
    ignored: list[str] = []
    for section in data:
        if section in KRKN_IGNORED_SECTIONS:
            ignored.append(str(section))
        elif section not in KRKN_SECTIONS:
            issues.append(doc.issue((str(section),), _unknown_section(str(section))))
    raw_kraken = data.get("kraken")
    if raw_kraken is not None and not isinstance(raw_kraken, dict):
        issues.append(doc.issue(("kraken",), f"expected a mapping, got {describe(raw_kraken)}"))
        raw_kraken = {}
    kraken_data = dict(raw_kraken or {})
    for key in sorted(str(k) for k in kraken_data if k in KRKN_IGNORED_KRAKEN_KEYS):
        ignored.append(f"kraken.{key}")
        del kraken_data[key]
    kraken, kraken_issues = _validate(doc, KrakenSection, kraken_data, ("kraken",))
    tunings, tunings_issues = _validate(doc, Tunings, data.get("tunings"), ("tunings",))
    own, own_issues = _validate(doc, KrknUndertowSection, data.get("undertow"), ("undertow",))
    issues += own_issues
    judging = {}
    for name, model in KRKN_JUDGING_SECTIONS.items():
        judging[name], section_issues = _validate(doc, model, data.get(name), (name,))
        issues += section_issues
    scenarios = parse_scenario_list(
        doc, ("kraken", "chaos_scenarios"), kraken_data.get("chaos_scenarios"), cwd
    )
    issues += kraken_issues + tunings_issues + scenarios.issues
    prometheus, prometheus_issues = _prometheus(
        doc, judging["performance_monitoring"], judging["resiliency"], cwd
    )
    issues += prometheus_issues
    if issues:
        return None, issues
    return _FileValues(
        scenarios=scenarios,
        tunings=tunings,
        exit_on_failure=kraken.exit_on_failure,
        auto_rollback=kraken.auto_rollback,
        kubeconfig=kraken.kubeconfig_path or None,
        context=None,
        versions_directory=kraken.rollback_versions_directory or None,
        report_directory=None,
        ignored=ignored + _unevaluated(judging["performance_monitoring"]) + scenarios.ignored,
        health_checks=judging["health_checks"] if data.get("health_checks") else None,
        cerberus=judging["cerberus"] if data.get("cerberus") else None,
        resiliency=judging["resiliency"],
        heartbeat=own.heartbeat if own is not None else HeartbeatSection(),
        prometheus=prometheus,
        control=kraken.control(own.control_token if own is not None else None),
        pdf_report=kraken.generate_pdf_report,
        allow_protected_namespaces=tuple(own.allow_protected_namespaces if own else ()),
        max_targets=own.max_targets if own else None,
    ), []


def _unevaluated(performance: PerformanceMonitoringSection | None) -> list[str]:
    """Keys of the judging sections undertow accepts but does not evaluate."""
    if performance is None:
        return []
    return [f"performance_monitoring.{key}" for key in performance.ignored_keys]


def _prometheus(
    doc: YamlDocument,
    section: PerformanceMonitoringSection | None,
    resiliency: ResiliencySection | None,
    cwd: Path,
) -> tuple[PrometheusSettings | None, list[ConfigIssue]]:
    """The Prometheus settings; the `resiliency_file` is read only when scoring is on."""
    if section is None or resiliency is None:
        return None, []
    slo_file = resiliency.resiliency_file if resiliency.enabled else None
    return prometheus_settings(
        section, doc, lambda written: candidate_paths(written, doc.path.parent, cwd), slo_file
    )


def _read_native(
    doc: YamlDocument, data: dict[Any, Any], cwd: Path
) -> tuple[_FileValues | None, list[ConfigIssue]]:
    config, issues = _validate(doc, NativeConfig, data, ())
    scenarios = parse_scenario_list(doc, ("scenarios",), data.get("scenarios"), cwd)
    issues += scenarios.issues
    performance, resiliency = None, None
    if config is not None:
        performance = config.performance_monitoring or PerformanceMonitoringSection()
        resiliency = config.resiliency
    prometheus, prometheus_issues = _prometheus(doc, performance, resiliency, cwd)
    issues += prometheus_issues
    if issues:
        return None, issues
    return _FileValues(
        scenarios=scenarios,
        tunings=config.tunings,
        exit_on_failure=config.exit_on_failure,
        auto_rollback=config.rollback.auto,
        kubeconfig=config.kubeconfig or None,
        context=config.context or None,
        versions_directory=config.rollback.versions_directory or None,
        journal_key=config.rollback.journal_key or None,
        report_directory=config.report.directory or None,
        ignored=_unevaluated(config.performance_monitoring) + scenarios.ignored,
        strict=config.strict,
        images=config.images,
        executed_retention_days=config.rollback.executed_retention_days,
        health_checks=config.health_checks,
        cerberus=config.cerberus,
        resiliency=config.resiliency,
        heartbeat=config.heartbeat,
        prometheus=prometheus,
        control=config.control,
        pdf_report=config.report.pdf,
        allow_protected_namespaces=tuple(config.allow_protected_namespaces),
        max_targets=config.max_targets,
    ), []


def _merge(
    doc: YamlDocument,
    fmt: Any,
    *,
    values: _FileValues,
    env_values: EnvOverrides,
    overrides: Overrides,
    env: Mapping[str, str],
) -> Settings:
    base = doc.path.parent

    def file_path(raw: str | None) -> Path | None:
        if raw is None:
            return None
        path = Path(raw).expanduser()
        return path if path.is_absolute() else (base / path).absolute()

    versions = _first(
        overrides.versions_directory,
        env_values.versions_directory,
        file_path(values.versions_directory),
        default_versions_directory(env),
    )
    tunings = TuningSettings(
        iterations=_first(env_values.iterations, values.tunings.iterations),
        wait_duration=_first(env_values.wait_duration, values.tunings.wait_duration),
        daemon_mode=_first(env_values.daemon_mode, values.tunings.daemon_mode),
    )
    return Settings(
        source=doc.path,
        scenarios=tuple(values.scenarios.refs),
        rollback=RollbackSettings(
            versions_directory=versions,
            journal_key=_first(
                env_values.journal_key,
                file_path(values.journal_key),
                default_journal_key(env),
            ),
            auto=_first(overrides.auto_rollback, env_values.auto_rollback, values.auto_rollback),
            executed_retention_days=_first(
                env_values.executed_retention_days,
                values.executed_retention_days,
                DEFAULT_RETENTION_DAYS,
            ),
        ),
        tunings=tunings,
        exit_on_failure=_first(env_values.exit_on_failure, values.exit_on_failure),
        strict=_first(overrides.strict, env_values.strict, values.strict),
        kubeconfig=_kubeconfig(
            doc,
            fmt,
            flag=overrides.kubeconfig,
            env=env_values.kubeconfig,
            written=values.kubeconfig,
            path=file_path(values.kubeconfig),
        ),
        context=_first(overrides.context, env_values.context, values.context),
        report_directory=_first(
            overrides.report_directory,
            env_values.report_directory,
            file_path(values.report_directory),
        ),
        ignored=tuple(values.ignored),
        images=dict(values.images),
        health_checks=values.health_checks,
        cerberus=values.cerberus,
        resiliency=values.resiliency,
        heartbeat=_heartbeat(values.heartbeat, env_values),
        prometheus=values.prometheus,
        control=values.control,
        pdf_report=values.pdf_report,
        runs_directory=default_runs_directory(env),
        allow_protected_namespaces=values.allow_protected_namespaces,
        max_targets=values.max_targets,
    )


def _heartbeat(written: HeartbeatSection, env_values: EnvOverrides) -> HeartbeatSection:
    """The file's heartbeat with the environment's interval and grace over it, re-validated."""
    merged = {
        **written.model_dump(),
        "interval": _first(env_values.heartbeat_interval, written.interval),
        "grace": _first(env_values.heartbeat_grace, written.grace),
    }
    try:
        return HeartbeatSection.model_validate(merged)
    except ValidationError as exc:
        message = "; ".join(error["msg"] for error in exc.errors())
        field = "UNDERTOW_HEARTBEAT_INTERVAL/UNDERTOW_HEARTBEAT_GRACE"
        raise ConfigError([ConfigIssue("environment", field, message)]) from exc


def _kubeconfig(
    doc: YamlDocument,
    fmt: Any,
    *,
    flag: Path | None,
    env: Path | None,
    written: str | None,
    path: Path | None,
) -> KubeconfigSetting | None:
    """The kubeconfig named explicitly, with who named it (flag > environment > file)."""
    named = named_kubeconfig(flag, env)
    if named is not None:
        return named
    if written is None or path is None:
        return None
    loc = ("kraken", "kubeconfig_path") if fmt == "krkn" else ("kubeconfig",)
    return KubeconfigSetting(
        path, format_loc(loc), file=str(doc.path), line=doc.line_of(loc), written=written.strip()
    )
