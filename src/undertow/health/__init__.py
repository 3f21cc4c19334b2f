"""Judging a run: health targets sampled during and after each scenario, Cerberus's go/no-go,
and the resiliency score computed from them and the scenarios' own recovery checks.

`ScenarioJudge` (one per scenario) is what the runner uses; the pure parts
(`availability`, `score`) are tested without I/O.
"""

from undertow.health.availability import Availability, Sample, summarize
from undertow.health.judge import Judging, ScenarioJudge, Verdict
from undertow.health.score import RuleCheck, Score, run_score, scenario_score

__all__ = [
    "Availability",
    "Judging",
    "RuleCheck",
    "Sample",
    "ScenarioJudge",
    "Score",
    "Verdict",
    "run_score",
    "scenario_score",
    "summarize",
]
