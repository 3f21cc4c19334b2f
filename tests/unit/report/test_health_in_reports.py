"""Health targets, Cerberus and the resiliency score as the reports show them."""

from __future__ import annotations

from undertow.events import Event
from undertow.report import build_report, render_html
from undertow.report.availability import availability_strips

HEALTH = {
    "target": "web",
    "samples": 10,
    "failed_samples": 3,
    "downtime": 2.0,
    "first_failure": 104.0,
    "first_failure_detail": "503",
    "time_to_recover": 2.0,
    "recovered": True,
    "exit_on_failure": False,
    "outages": [{"start": 104.0, "end": 106.0, "recovered": True}],
}


def _events() -> list[Event]:
    finished = {
        "file": "s.yaml",
        "status": "passed",
        "duration": 10.0,
        "rollback": {},
        "health": [HEALTH],
        "cerberus": {"go": True, "reason": "", "failed_routes": []},
        "resiliency": {"score": 50, "points_kept": 6, "total_points": 12, "lost": ["health web"]},
    }
    return [
        Event("run.started", "run r", time=99.0, data={"run_id": "r"}),
        Event("scenario.started", "x", "sleep_scenarios", 100.0, {"file": "s.yaml"}),
        Event("scenario.finished", "x: passed", "sleep_scenarios", 110.0, finished),
        Event(
            "run.finished",
            "exit code 0",
            time=111.0,
            data={"exit_code": 0, "resiliency": {"score": 50, "points_kept": 6}},
        ),
    ]


def test_an_outage_is_placed_on_the_scenarios_time_axis() -> None:
    (strip,) = availability_strips([HEALTH], started_at=100.0, duration=10.0)
    assert strip.down == [(40.0, 20.0)]
    assert strip.text == "10 samples, down 2.00 s (first failure: 503), recovered in 2.00 s"


def test_an_outage_not_recovered_runs_to_the_end_of_the_strip() -> None:
    down = {**HEALTH, "outages": [{"start": 105.0, "end": 107.0, "recovered": False}]}
    (strip,) = availability_strips([down], started_at=100.0, duration=10.0)
    assert strip.down == [(50.0, 50.0)]


def test_json_report_carries_the_judgement() -> None:
    report = build_report(_events())
    assert report["resiliency"]["score"] == 50
    assert report["scenarios"][0]["health"][0]["downtime"] == 2.0


def test_html_report_draws_a_strip_and_the_scores() -> None:
    page = render_html(_events())
    assert 'class="down" style="left: 40.0%; width: 20.0%"' in page
    assert "Cerberus: go" in page
    assert "Resiliency score: <strong>50/100</strong>" in page
    assert '<dd id="resiliency"><strong>50/100</strong></dd>' in page
