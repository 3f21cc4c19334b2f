"""Validate every scenario file of a config with its plugin's model: the run plan.

Nothing here talks to a cluster. All problems are collected and raised together as one
`ConfigError` (exit 2), each naming the file, the line and the field path.

Nothing listed is dropped silently: a scenario type undertow does not implement is bad
input, unless the caller opts in with `skip_unsupported` (`--skip-unsupported`); then each
of its files is kept in `RunPlan.skipped`, for the summary and the reports to name.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from undertow.config import ScenarioFileRef, Settings, load_yaml
from undertow.config.issues import issues_from_validation
from undertow.config.krkn_types import KRKN_SCENARIO_TYPES, canonical_type
from undertow.errors import ConfigError, ConfigIssue, ScenarioError
from undertow.scenarios.base import Preflight, ScenarioPlugin
from undertow.scenarios.registry import Registry


@dataclass(frozen=True)
class ScenarioJob:
    """One validated scenario file, ready to run."""

    ref: ScenarioFileRef
    plugin: ScenarioPlugin[Any]
    spec: BaseModel

    @property
    def scenario_type(self) -> str:
        return self.ref.scenario_type

    @property
    def file(self) -> str:
        return str(self.ref.path)


UNSUPPORTED = "a Krkn scenario type undertow does not implement"


@dataclass(frozen=True)
class SkippedFile:
    """A scenario file of a type undertow does not implement, skipped on request."""

    ref: ScenarioFileRef
    reason: str

    @property
    def where(self) -> str:
        """The config entry naming the file, `config.yaml:24`."""
        ref = self.ref
        return f"{ref.config_file}:{ref.line}" if ref.line else str(ref.config_file)


@dataclass(frozen=True)
class RunPlan:
    jobs: tuple[ScenarioJob, ...]
    skipped: tuple[SkippedFile, ...] = ()
    """Files of unimplemented types, skipped because the user asked (--skip-unsupported)."""
    deselected: tuple[str, ...] = ()
    """Files left out by --scenario, each with the reason (shown as ignored)."""


def build_plan(
    settings: Settings,
    registry: Registry,
    *,
    only: Sequence[str] = (),
    skip_unsupported: bool = False,
) -> RunPlan:
    """Check every entry; return the jobs to run or raise ConfigError with every issue."""
    issues: list[ConfigIssue] = []
    wanted = {canonical_type(name) for name in only}
    issues += _check_only(wanted, settings, registry)
    jobs: list[ScenarioJob] = []
    skipped: list[SkippedFile] = []
    deselected: list[str] = []
    for ref in settings.scenarios:
        if wanted and ref.scenario_type not in wanted:
            deselected.append(f"{ref.declared_type}: {ref.written} (not selected by --scenario)")
            continue
        if ref.scenario_type not in registry:
            if ref.scenario_type not in KRKN_SCENARIO_TYPES:
                issues.append(ref.issue(_unknown_type(ref.declared_type, registry)))
            elif skip_unsupported:
                skipped.append(SkippedFile(ref, UNSUPPORTED))
            else:
                issues.append(ref.issue(_unsupported_type(ref.declared_type)))
            continue
        job, job_issues = _validate_file(ref, registry)
        issues += job_issues
        if job is not None:
            jobs.append(job)
    if issues:
        raise ConfigError(issues)
    return RunPlan(jobs=tuple(jobs), skipped=tuple(skipped), deselected=tuple(deselected))


def _unsupported_type(name: str) -> str:
    return (
        f"{name} is {UNSUPPORTED}; remove the entry, or pass --skip-unsupported to run "
        "the rest and report this file as skipped"
    )


def _check_only(wanted: set[str], settings: Settings, registry: Registry) -> list[ConfigIssue]:
    present = {ref.scenario_type for ref in settings.scenarios}
    issues = []
    for name in sorted(wanted - present):
        names = ", ".join(sorted(present)) or "none"
        issues.append(
            ConfigIssue(
                "command line",
                "--scenario",
                f"scenario type {name!r} is not in {settings.source} (it names: {names})",
            )
        )
    return issues


def _unknown_type(name: str, registry: Registry) -> str:
    known = sorted(set(registry.types()) | KRKN_SCENARIO_TYPES)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    implemented = ", ".join(registry.types()) or "none"
    return f"unknown scenario type {name!r} ({hint}implemented: {implemented})"


def _validate_file(
    ref: ScenarioFileRef, registry: Registry
) -> tuple[ScenarioJob | None, list[ConfigIssue]]:
    if not ref.path.is_file():
        looked = " or ".join(str(path) for path in ref.candidates) or str(ref.path)
        what = "not a file" if ref.path.exists() else "file not found"
        return None, [ref.issue(f"{what}: {ref.written} (looked for {looked})")]
    try:
        plugin = registry.get(ref.scenario_type)
    except ScenarioError as exc:
        return None, [ref.issue(str(exc))]
    try:
        doc = load_yaml(ref.path)
    except ConfigError as exc:
        return None, list(exc.issues)
    if doc.data is None:
        return None, [doc.issue((), f"empty scenario file: expected a {ref.scenario_type} spec")]
    try:
        spec = plugin.spec_model.model_validate(doc.data)
    except ValidationError as exc:
        return None, issues_from_validation(doc, exc, model=plugin.spec_model)
    if isinstance(plugin, Preflight) and (problems := plugin.preflight(spec)):
        return None, [doc.issue(problem.loc, problem.message) for problem in problems]
    return ScenarioJob(ref=ref, plugin=plugin, spec=spec), []
