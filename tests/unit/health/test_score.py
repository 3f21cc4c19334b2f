"""The resiliency score against cases computed by hand (critical 3, warning 1, or a rule's
own weight)."""

from __future__ import annotations

from undertow.health import RuleCheck, run_score, scenario_score


def test_a_clean_scenario_scores_100() -> None:
    score = scenario_score(recovered=True, health=[("web", True)], cerberus_go=True)
    assert (score.kept, score.total, score.value) == (9, 9, 100)


def test_a_health_target_down_loses_a_critical_check() -> None:
    # recovery 3 kept, web 3 lost, api 3 kept: 6 / 9 -> 66 (rounded down, as Krkn)
    score = scenario_score(recovered=True, health=[("web", False), ("api", True)])
    assert (score.kept, score.total, score.value) == (6, 9, 66)
    assert score.lost == ("health web",)


def test_findings_are_warnings() -> None:
    # recovery 3 kept, two findings 1 each lost: 3 / 5 -> 60
    score = scenario_score(recovered=True, findings=["a", "b"])
    assert (score.kept, score.total, score.value) == (3, 5, 60)


def test_failed_recovery_and_no_go() -> None:
    score = scenario_score(recovered=False, cerberus_go=False)
    assert (score.kept, score.total, score.value) == (0, 6, 0)


def test_cerberus_not_asked_is_not_counted() -> None:
    assert scenario_score(recovered=True, cerberus_go=None).total == 3


def test_the_run_pools_points() -> None:
    # 9/9 and 3/6 -> 12/15 = 80 (not the mean of 100 and 50)
    first = scenario_score(recovered=True, health=[("web", True)], cerberus_go=True)
    second = scenario_score(recovered=False, health=[("web", True)])
    run = run_score([first, second])
    assert (run.kept, run.total, run.value) == (12, 15, 80)


def test_slos_score_by_severity_unless_weighted() -> None:
    # recovery 3 kept; slo a critical 3 lost; slo b warning weight 5 kept; slo c critical
    # weight 1 lost: kept 3 + 5 = 8 of 3 + 3 + 5 + 1 = 12 -> 66
    score = scenario_score(
        recovered=True,
        slos=[
            RuleCheck("a", "critical", False),
            RuleCheck("b", "warning", True, 5),
            RuleCheck("c", "critical", False, 1),
        ],
    )
    assert (score.kept, score.total, score.value) == (8, 12, 66)
    assert score.lost == ("slo a", "slo c")


def test_a_weighted_alert_counts_its_weight_even_at_info() -> None:
    # recovery 3 kept; error alert weight 10 kept; info alert weight 2 lost; debug unweighted
    # not scored: 13 of 15 -> 86
    score = scenario_score(
        recovered=True,
        alerts=[
            RuleCheck("a", "error", True, 10),
            RuleCheck("b", "info", False, 2),
            RuleCheck("c", "debug", False),
        ],
    )
    assert (score.kept, score.total, score.value) == (13, 15, 86)
    assert score.lost == ("alert b",)


def test_slo_severities_other_than_critical_count_one_and_weights_may_be_fractions() -> None:
    # as Krkn: an `error` SLO is worth 1 (only critical is 3); recovery 3 kept, slo a error
    # 1 lost, slo b warning weight 0.5 kept, slo c info kept 1: 4.5 of 5.5 -> 81
    score = scenario_score(
        recovered=True,
        slos=[
            RuleCheck("a", "error", False),
            RuleCheck("b", "warning", True, 0.5),
            RuleCheck("c", "info", True),
        ],
    )
    assert (score.kept, score.total, score.value) == (4.5, 5.5, 81)
