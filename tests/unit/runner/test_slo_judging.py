"""A `resiliency_file`'s SLOs in a scenario's judgement: scored in place of the alert
profile's rules, with their weights, and never a reason to fail the run."""

from __future__ import annotations

from undertow.config.performance import PrometheusSettings, Slo
from undertow.health import Judging, Score, Verdict
from undertow.health.alerts import AlertResult, SloResult
from undertow.runner.judged import judged_score, score_data
from undertow.scenarios.base import ScenarioResult

PASSED = ScenarioResult(passed=True, summary="ok")
FIRED_ERROR = AlertResult("e > 0", "error", "e fired", fired=True)


def _judging(slos: tuple[Slo, ...] | None) -> Judging:
    return Judging(prometheus=PrometheusSettings("http://127.0.0.1:9", None, 1.0, slos=slos))


def test_slos_replace_the_alert_profile_in_the_score_and_do_not_fail_the_run() -> None:
    slos = (
        SloResult("a > 0", "critical", "a", fired=True),
        SloResult("b > 0", "warning", "b", fired=False, weight=4),
    )
    verdict = Verdict(alerts=(FIRED_ERROR,), slos=slos)
    score = judged_score(_judging(()), PASSED, recovered=True, verdict=verdict)
    # recovery 3 kept, slo a 3 lost, slo b 4 kept (its weight): 7 / 10 -> 70; the error
    # alert is not scored (it fails the run instead)
    assert score is not None
    assert (score.kept, score.total, score.value, score.lost) == (7, 10, 70, ("slo a > 0",))
    assert verdict.failures == ("error alert fired: e fired",)
    assert Verdict(slos=slos).failures == ()


def test_without_a_resiliency_file_the_alert_profile_is_scored_with_its_weights() -> None:
    weighted = AlertResult("w > 0", "warning", "w", fired=False, weight=6)
    verdict = Verdict(alerts=(FIRED_ERROR, weighted))
    score = judged_score(_judging(None), PASSED, recovered=True, verdict=verdict)
    # recovery 3 kept, error alert 3 lost, warning alert 6 kept (its weight): 9 / 12 -> 75
    assert score is not None
    assert (score.kept, score.total, score.value) == (9, 12, 75)


def test_points_in_the_report_keep_fractions_and_drop_a_trailing_zero() -> None:
    assert score_data(Score(kept=4.5, total=5.5))["points_kept"] == 4.5
    whole = score_data(Score(kept=4.0, total=9))
    assert (type(whole["points_kept"]), whole["total_points"], whole["score"]) == (int, 9, 44)
