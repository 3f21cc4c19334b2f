"""Downtime, first failure and time to recover from samples at hand-picked times."""

from __future__ import annotations

from undertow.health import Sample, summarize


def _samples(*states: tuple[float, bool]) -> list[Sample]:
    return [Sample(time, healthy, "200" if healthy else "503") for time, healthy in states]


def test_never_down() -> None:
    result = summarize("web", _samples((0, True), (2, True), (4, True)))
    assert (result.samples, result.failed_samples, result.downtime) == (3, 0, 0)
    assert result.passed and result.recovered
    assert result.first_failure is None and result.time_to_recover is None


def test_one_outage_lasts_from_first_failure_to_next_healthy_sample() -> None:
    result = summarize("web", _samples((0, True), (2, False), (4, False), (6, True), (8, True)))
    assert result.downtime == 4
    assert result.first_failure == 2
    assert result.first_failure_detail == "503"
    assert result.time_to_recover == 4
    assert result.recovered and not result.passed


def test_two_outages_add_up_and_the_worst_is_the_time_to_recover() -> None:
    result = summarize(
        "web", _samples((0, False), (1, True), (2, False), (3, False), (5, False), (6, True))
    )
    assert result.downtime == 1 + 4
    assert result.time_to_recover == 4
    assert [(o.start, o.end) for o in result.outages] == [(0, 1), (2, 6)]


def test_still_down_at_the_last_sample_is_not_recovered() -> None:
    result = summarize("web", _samples((0, True), (2, False), (4, False)))
    assert result.downtime == 2
    assert not result.recovered
    assert result.time_to_recover is None


def test_samples_are_ordered_by_time() -> None:
    result = summarize("web", _samples((6, True), (2, False), (0, True)))
    assert result.downtime == 4


def test_no_samples() -> None:
    result = summarize("web", [])
    assert (result.samples, result.downtime, result.recovered) == (0, 0, True)
