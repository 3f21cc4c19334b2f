"""The scenario plugin contract.

A plugin is a pydantic model of one scenario file (`spec_model`) plus `plan` (read-only:
resolve targets and describe what would happen, used by `--dry-run`) and `run` (inject,
wait, check recovery). Every cluster mutation goes through `ctx.kube`, the journaled
client; a plugin never writes its own undo code path.

A plan line `would fail: <why>` (after an entry's `[n] `, if any) says the run would fail
as planned (no such Service, fewer pods than `kill`); a line `refused: <why>` says the run
would refuse it before any change (a selection beyond the blast radius, a node this machine
runs on). A dry run with either exits 1, as the run would.

A plugin may also be `Preflight`: `preflight(spec)` says, without a cluster, why a
well-formed file cannot run with this install (a provider with no SDK, an action undertow
does not implement); `validate` and `run` report those as bad input (exit 2).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from undertow.clock import CancelToken, Clock
from undertow.config.helper_pods import HelperPods
from undertow.config.yamlfile import format_loc, load_yaml
from undertow.errors import ConfigError, ConfigIssue, ScenarioError, ScenarioInputError
from undertow.events import Event, EventSink
from undertow.scenarios.blast_radius import BlastRadius

if TYPE_CHECKING:
    from undertow.kube import KubeApi
    from undertow.rollback.client import JournaledClient

_WOULD_FAIL = re.compile(r"(\[\d+\] )?(would fail|refused): ")
_REFUSED = re.compile(r"(\[\d+\] )?refused: ")

SpecT = TypeVar("SpecT", bound=BaseModel)
SpecT_contra = TypeVar("SpecT_contra", bound=BaseModel, contravariant=True)


@dataclass(frozen=True)
class ScenarioResult:
    """What one scenario file's run achieved. `passed` is Krkn's verdict: False when what
    Krkn checks failed. `findings` are problems Krkn never checks (e.g. a namespace not back
    within `wait_time`): reported, and failures only when the run is strict."""

    passed: bool
    summary: str
    targets: list[str] = field(default_factory=list)
    metrics: Mapping[str, float] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)


@dataclass
class PlanContext:
    """What `plan` may use: reads only."""

    api: KubeApi
    scenario_type: str
    scenario_file: str
    log: logging.Logger
    limits: BlastRadius = field(default_factory=BlastRadius)
    """The run's `max_targets` and protected namespaces, which the plan checks as the run would."""

    def refusals(
        self,
        message: str,
        *,
        field: str,
        count: int,
        namespaces: Iterable[str] = (),
        entry: int | None = None,
    ) -> list[str]:
        """The plan line saying why the run would refuse this selection (none: it would not):
        `count` targets at most, reaching `namespaces`; `field` is where the file chooses them;
        `entry`, the file's entry the line is about (`[n] `)."""
        why = self.limits.refusal(message, count=count, namespaces=namespaces)
        if why is None:
            return []
        return [f"{'' if entry is None else f'[{entry}] '}refused: at {field}: {why}"]


@dataclass
class RunContext:
    """Everything a scenario needs while it runs; side effects live behind these edges."""

    scenario_type: str
    scenario_file: str
    kube: JournaledClient
    clock: Clock
    cancel: CancelToken
    events: EventSink
    log: logging.Logger
    helpers: HelperPods = field(default_factory=HelperPods)  # images + placement of own pods
    max_targets: int | None = None
    """The most targets one selection may hold (config `max_targets`); None: no cap."""

    def emit(self, kind: str, message: str, *, level: int | None = None, **data: Any) -> None:
        """Tell the reports, and the log: the message is the scenario's log line (targets,
        deletions, recovery), so log-based checks written for Krkn find the same facts.
        The log level follows the kind (`…failed`/`…error`: ERROR) unless `level` says
        otherwise (a finding Krkn never checks is a WARNING, not an ERROR)."""
        self.events.emit(Event(kind=kind, message=message, scenario=self.scenario_type, data=data))
        self.log.log(_level(kind) if level is None else level, "%s", message)

    def input_error(self, loc: Sequence[str | int], message: str) -> ScenarioInputError:
        """Bad input found by looking at the cluster (the file names what a target does not
        have), located in the scenario file; raised, the run rolls back and exits 2."""
        try:
            issue = load_yaml(Path(self.scenario_file)).issue(loc, message)
        except ConfigError:  # the file went away since it was validated: no line then
            issue = ConfigIssue(self.scenario_file, format_loc(loc), message)
        return ScenarioInputError(issue)

    def selected(
        self, message: str, *, field: str, within: Iterable[str] = (), **data: Any
    ) -> None:
        """Report a selection, once made and before any of it is changed (a `targets.selected`
        event); `check_selection` refuses it first."""
        self.check_selection(message, field=field, within=within, **data)
        self.emit("targets.selected", message, **data)

    def check_selection(
        self, message: str, *, field: str, within: Iterable[str] = (), **data: Any
    ) -> None:
        """ScenarioError, naming the file and `field` (where the file chooses the targets),
        when the selection holds more than `max_targets` targets (every list in `data`) or
        reaches a protected namespace, its own or one it was drawn from (`within`; see
        `blast_radius.Selection`)."""
        limits = BlastRadius(self.max_targets, self.kube.protected)
        why = limits.refusal_of(message, data, within)
        if why is not None:
            raise ScenarioError(
                f"refused: {self.scenario_file} at {field}: {why}; none of it was changed"
            )


def _level(kind: str) -> int:
    if kind.endswith(("failed", "error")):
        return logging.ERROR
    return logging.WARNING if kind.endswith("warning") else logging.INFO


class ScenarioPlugin(Protocol[SpecT_contra]):
    """A scenario type. `scenario_type` is the Krkn config key, e.g. `pod_disruption_scenarios`."""

    @property
    def scenario_type(self) -> str: ...

    @property
    def summary(self) -> str:
        """One line for `undertow scenarios list`."""
        ...

    @property
    def spec_model(self) -> type[BaseModel]: ...

    def plan(self, ctx: PlanContext, spec: SpecT_contra) -> list[str]: ...

    def run(self, ctx: RunContext, spec: SpecT_contra) -> ScenarioResult: ...


def would_fail(plan: Sequence[str]) -> list[str]:
    """The lines of a plan that say the run would fail as planned or refuse it."""
    return [line for line in plan if _WOULD_FAIL.match(line)]


def refused(plan: Sequence[str]) -> list[str]:
    """The lines of a plan that say the run would refuse it before any change."""
    return [line for line in plan if _REFUSED.match(line)]


@dataclass(frozen=True)
class SpecProblem:
    """Why a well-formed scenario file cannot run here; `loc` is the field path in the file."""

    loc: tuple[str | int, ...]
    message: str


@runtime_checkable
class Preflight(Protocol):
    """Optional for a plugin: problems found before any cluster contact (none: it can run)."""

    def preflight(self, spec: Any) -> list[SpecProblem]: ...


@runtime_checkable
class NamesNodes(Protocol):
    """Optional for a plugin: the node names its file gives, each with its field path.
    `run` checks them against the cluster before any change (a missing one: exit 2)."""

    def named_nodes(self, spec: Any) -> list[tuple[tuple[str | int, ...], str]]: ...
