"""The report's charts as data (no browser): where samples, outages, marks and lines go."""

from __future__ import annotations

from pathlib import Path

import pytest

from undertow.report.charts import LEFT, MAX_SERIES, PLOT, scenario_charts
from undertow.report.pdf import PdfUnavailable, print_pdf
from undertow.report.timeline import Step

T0 = 1000.0


def step(offset: float, kind: str, phase: str) -> Step:
    return Step(offset=offset, kind=kind, phase=phase, message=kind)  # type: ignore[arg-type]


def test_availability_lane_places_samples_outages_and_marks_on_the_scenario_axis() -> None:
    health = [
        {
            "target": "web",
            "outages": [{"start": T0 + 5, "end": T0 + 7.5, "recovered": True}],
            "series": [[T0, 1], [T0 + 5, 0], [T0 + 10, 1]],
        }
    ]
    steps = [step(2.5, "pod.killed", "inject"), step(9, "rollback.settled", "undo")]
    (chart,) = scenario_charts({"health": health}, steps, started_at=T0, duration=10)
    assert chart.kind == "availability"
    (lane,) = chart.lanes
    assert [(dot.x, dot.healthy) for dot in lane.dots] == [
        (LEFT, True),
        (LEFT + PLOT / 2, False),
        (LEFT + PLOT, True),
    ]
    assert lane.outages == ((LEFT + PLOT / 2, PLOT / 4),)
    assert [(mark.x, mark.phase) for mark in chart.marks] == [
        (LEFT + PLOT / 4, "inject"),
        (round(LEFT + PLOT * 0.9, 1), "undo"),
    ]


def test_metric_lines_skip_non_numbers_and_say_what_was_not_drawn() -> None:
    series = [
        {"labels": {"i": str(i)}, "values": [[T0, "1"], [T0 + 5, "NaN"], [T0 + 10, "3"]]}
        for i in range(MAX_SERIES + 2)
    ]
    metrics = [
        {"metricName": "m", "query": "q", "error": "", "series": series},
        {"metricName": "broken", "query": "q(", "error": "bad_data: parse error", "series": []},
    ]
    drawn, broken = scenario_charts({"prometheus_metrics": metrics}, [], started_at=T0, duration=10)
    assert len(drawn.lines) == MAX_SERIES
    assert drawn.lines[0].label == '{i="0"}'
    assert drawn.lines[0].points.count(",") == 2  # NaN left out
    assert drawn.y_labels[0][1] == "3" and drawn.y_labels[1][1] == "1"
    assert drawn.note == "2 more series not drawn (all are in report.json)"
    assert broken.lines == [] and broken.note == "bad_data: parse error"


def test_without_health_or_metrics_there_is_no_chart() -> None:
    assert scenario_charts({}, [step(1, "pod.killed", "inject")], started_at=T0, duration=5) == []


def test_a_pdf_without_chromium_is_refused_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "report.html").write_text("<html></html>")
    with pytest.raises(PdfUnavailable, match=r"Chromium was not found .*apt-get install chromium"):
        print_pdf(tmp_path / "report.html")
    assert not (tmp_path / "report.pdf").exists()
