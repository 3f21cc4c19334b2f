"""`--exit-codes krkn`: a failed run says why, in the order of Krkn's run_kraken.py (a failed
scenario 1, then error/critical alerts 2, then an `exit_on_failure` health check 3)."""

from __future__ import annotations

from undertow.cli.exit_codes import ExitCodes, ExitScheme
from undertow.health.alerts import AlertResult
from undertow.health.availability import Availability, Outage
from undertow.runner.outcome import RunOutcome, ScenarioRun

DOWN = Availability("web", 3, 1, (Outage(1.0, 2.0, True),), exit_on_failure=True)
DOWN_REPORTED = Availability("web", 3, 1, (Outage(1.0, 2.0, True),), exit_on_failure=False)
FIRED = AlertResult("up == 0", "critical", "down", fired=True)
WARNED = AlertResult("up == 0", "warning", "down", fired=True)


def scenario(status: str = "failed", *, judged_only: bool = True, **judged: object) -> ScenarioRun:
    return ScenarioRun(
        iteration=1,
        scenario_type="sleep_scenarios",
        file="s.yaml",
        status=status,  # type: ignore[arg-type]
        started_at=0.0,
        duration=1.0,
        judged_only=judged_only,
        **judged,  # type: ignore[arg-type]
    )


def krkn_code(*runs: ScenarioRun) -> int:
    outcome = RunOutcome(run_id="r", runs=runs)
    codes = ExitCodes(ExitScheme.krkn, krkn_failure=outcome.krkn_failure)
    return codes(outcome.exit_code)


def test_a_failed_health_check_is_3() -> None:
    assert krkn_code(scenario(health=(DOWN,))) == 3


def test_error_or_critical_alerts_are_2_and_win_over_a_health_check() -> None:
    assert krkn_code(scenario(alerts=(FIRED,))) == 2
    assert krkn_code(scenario(health=(DOWN,)), scenario(alerts=(FIRED,))) == 2


def test_a_failed_scenario_is_1_and_wins_over_alerts_and_health() -> None:
    own = scenario(judged_only=False)
    assert krkn_code(own) == 1
    assert krkn_code(own, scenario(alerts=(FIRED,)), scenario(health=(DOWN,))) == 1


def test_reported_only_judgements_do_not_choose_the_code() -> None:
    cerberus_no_go = scenario()  # judged only, but neither alerts nor health failed it
    assert krkn_code(cerberus_no_go, scenario("passed", health=(DOWN_REPORTED,))) == 1
    assert krkn_code(scenario("passed", alerts=(WARNED,))) == 0


def test_undertows_scheme_keeps_1() -> None:
    outcome = RunOutcome(run_id="r", runs=(scenario(health=(DOWN,)),))
    assert ExitCodes(krkn_failure=outcome.krkn_failure)(outcome.exit_code) == 1
