"""The resiliency score: Krkn's formula over what undertow judges.

Each check is worth points by severity (critical 3, warning 1, Krkn's weights) unless its rule
sets its own `weight` (a positive number, 0.5 included); the score is
`floor(100 * points kept / total points)`. A scenario's checks:

* its own recovery check (the scenario passed before judging) — critical;
* each health target that stayed available (no failed sample) — critical (as in Krkn);
* Cerberus's go — critical;
* each alert of the profile that did not fire — `critical`/`error` ones critical,
  `warning` ones warning (`info`/`debug` alerts are not scored unless weighted);
* or, when a `resiliency_file` is given, each of its SLOs that did not fire instead of the
  alert profile's rules (Krkn scores the SLOs, falling back to the alert profile):
  `critical` ones critical, any other severity warning, as Krkn counts them;
* each finding (a problem Krkn never checks) — warning, always lost.

The run's score pools the points of every scenario judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

WEIGHTS = {"critical": 3, "warning": 1}
ALERT_WEIGHTS = {"critical": "critical", "error": "critical", "warning": "warning"}
"""The scoring severity of an alert profile's severities."""
SLO_WEIGHTS = {"critical": "critical"}
"""The scoring severity of an SLO's severities; any other is a warning (Krkn's)."""


@dataclass(frozen=True)
class Check:
    name: str
    severity: str
    passed: bool
    custom_weight: float | None = None
    """A rule's own `weight`: it replaces its severity's points."""

    @property
    def weight(self) -> float:
        return WEIGHTS[self.severity] if self.custom_weight is None else self.custom_weight


class RuleCheck(NamedTuple):
    """A Prometheus rule (an alert of the profile or an SLO) judged over one window."""

    expr: str
    severity: str
    passed: bool
    weight: float | None = None


@dataclass(frozen=True)
class Score:
    kept: float
    total: float
    checks: tuple[Check, ...] = ()

    @property
    def value(self) -> int:
        return 100 if self.total == 0 else int(100 * self.kept // self.total)

    @property
    def lost(self) -> tuple[str, ...]:
        return tuple(check.name for check in self.checks if not check.passed)


def scenario_score(
    *,
    recovered: bool,
    health: Iterable[tuple[str, bool]] = (),
    cerberus_go: bool | None = None,
    findings: Sequence[str] = (),
    alerts: Iterable[RuleCheck] = (),
    slos: Iterable[RuleCheck] = (),
) -> Score:
    """Score one scenario from its judged checks; `cerberus_go` None means not asked."""
    checks = [Check("recovery", "critical", recovered)]
    checks += [Check(f"health {name}", "critical", passed) for name, passed in health]
    if cerberus_go is not None:
        checks.append(Check("cerberus", "critical", cerberus_go))
    checks += [
        Check(
            f"alert {rule.expr}",
            ALERT_WEIGHTS.get(rule.severity, "warning"),
            rule.passed,
            rule.weight,
        )
        for rule in alerts
        if rule.severity in ALERT_WEIGHTS or rule.weight is not None
    ]
    checks += [
        Check(
            f"slo {rule.expr}", SLO_WEIGHTS.get(rule.severity, "warning"), rule.passed, rule.weight
        )
        for rule in slos
    ]
    checks += [Check(f"finding {finding}", "warning", False) for finding in findings]
    return Score(
        kept=sum(check.weight for check in checks if check.passed),
        total=sum(check.weight for check in checks),
        checks=tuple(checks),
    )


def run_score(scores: Iterable[Score]) -> Score:
    """The run's score: every scenario's points pooled."""
    pooled = list(scores)
    return Score(kept=sum(s.kept for s in pooled), total=sum(s.total for s in pooled))
