"""The HTML report rendered from constructed events, parsed back with html.parser."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from report_fixtures import (
    Node,
    emitted,
    finished,
    parse,
    pod_run,
    scenario_finished,
    scenario_started,
    started,
    tally,
)

from undertow.events import Event
from undertow.report import write_reports
from undertow.report.html import (
    MIN_BAR_PERCENT,
    RUN_OF_KIND_SHOWN,
    format_duration,
    render_html,
)

HOSTILE = '<script>alert("x")</script>&"\'><img src=x onerror=alert(1)>'


def _rows(doc: Node, css: str) -> list[list[str]]:
    return [[td.text.strip() for td in tr.find_all("td")] for tr in doc.find_all("tr", css)]


def _only_script(doc: Node) -> Node:
    scripts = doc.find_all("script")
    assert len(scripts) == 1
    return scripts[0]


def test_passed_run_header_summary_timeline_and_events() -> None:
    doc = parse(render_html(pod_run()))
    assert "run-1" in doc.by_id("run").text
    assert "2025-11-24 16:00:00.000 UTC" in doc.by_id("run").text
    assert "7.00 s" in doc.by_id("run").text
    exit_code = doc.by_id("exit-code").text
    assert exit_code.startswith("0") and "passed" in exit_code
    assert doc.by_id("verdict").text == "passed"
    (row,) = _rows(doc, "scenario")
    assert row[1:4] == ["pod_disruption_scenarios", "pods.yaml", "passed"]
    assert row[4].startswith("5.50 s") and "+1.00 s" in row[4]
    assert row[5] == "nothing left to undo"
    assert "killed 2 pods" in row[6]
    timeline = doc.by_id("scenario-1")
    steps = _rows(timeline, "step")
    assert [(s[0], s[1], s[2]) for s in steps] == [
        ("+0.50 s", "info", "targets.selected"),
        ("+1.00 s", "inject", "pod.killed"),
        ("+1.10 s", "inject", "pod.killed"),
        ("+5.00 s", "recover", "recovery.ok"),
        ("+5.50 s", "undo", "rollback.settled"),
    ]
    assert len(timeline.find_all("span", "mark")) == len(steps)
    events = _rows(doc.by_id("events"), "event")
    assert [e[3] for e in events] == [
        "run.started",
        "scenario.started",
        "targets.selected",
        "pod.killed",
        "pod.killed",
        "recovery.ok",
        "scenario.finished",
        "run.finished",
    ]
    assert events[3][1] == "+2.00 s" and events[3][5] == '{"pod": "web/a"}'


def test_hostile_names_are_escaped_everywhere() -> None:
    pod = HOSTILE
    events = [
        started(0, run_id=HOSTILE),
        scenario_started(1, pod, HOSTILE),
        emitted(2, pod, HOSTILE, f"deleted pod {HOSTILE}", **{HOSTILE: HOSTILE}),
        scenario_finished(
            3,
            pod,
            HOSTILE,
            "failed",
            summary=HOSTILE,
            error=HOSTILE,
            targets=[HOSTILE],
            metrics={HOSTILE: 1},
            rollback=tally(failed=1, errors=[HOSTILE]),
        ),
        finished(4, 3, stopped_early=HOSTILE),
    ]
    page = render_html(events)
    assert "<script>alert" not in page
    assert "<img" not in page
    doc = parse(page)
    assert "alert" not in _only_script(doc).text
    assert not doc.find_all("img")
    for node in doc.find_all():
        assert not any(name.startswith("on") for name in node.attrs), node
    # Shown as text, intact, in the summary, timeline and event list.
    assert HOSTILE in doc.by_id("summary").text
    assert f"deleted pod {HOSTILE}" in doc.by_id("scenario-1").text
    assert HOSTILE in doc.by_id("events").text
    assert HOSTILE in doc.by_id("run").text


def test_page_is_self_contained_and_its_script_is_allowed_by_hash() -> None:
    page = render_html(pod_run())
    doc = parse(page)
    for node in doc.find_all():
        assert "src" not in node.attrs
        assert node.attrs.get("href", "#").startswith("#")
    assert "http://" not in page and "https://" not in page and "@import" not in page
    (csp,) = [m for m in doc.find_all("meta") if m.attrs.get("http-equiv")]
    policy = csp.attrs["content"]
    assert "default-src 'none'" in policy
    script = _only_script(doc).text
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    # The filter only appears once the script ran; printed pages never show it.
    assert doc.by_id("event-filter-box").attrs.get("hidden") == ""
    assert re.search(r"@media print\s*{[^}]*body", page)


def test_failed_run() -> None:
    pod = "pod_disruption_scenarios"
    events = [
        started(0),
        scenario_started(1, pod, "p.yaml"),
        emitted(2, pod, "pod.killed", "deleted pod web/a"),
        emitted(30, pod, "recovery.failed", "1 pod not back within 28s"),
        scenario_finished(31, pod, "p.yaml", "failed", 30.0, summary="not recovered"),
        finished(32, 1),
    ]
    doc = parse(render_html(events))
    assert doc.by_id("verdict").text == "failed"
    assert "scenario or its recovery check failed" in doc.by_id("exit-code").text
    (row,) = _rows(doc, "scenario")
    assert row[3] == "failed"
    (result,) = [td for td in doc.find_all("td") if "status-failed" in td.classes()]
    assert result.text == "failed"
    failures = [tr for tr in doc.by_id("scenario-1").find_all("tr", "row-failure")]
    assert [tr.find_all("td")[2].text for tr in failures] == ["recovery.failed"]


def test_interrupted_run_with_incomplete_rollback() -> None:
    pod = "node_scenarios"
    events = [
        started(0),
        scenario_started(1, pod, "n.yaml"),
        emitted(2, pod, "node.cordoned", "cordoned node n1"),
        scenario_finished(
            3,
            pod,
            "n.yaml",
            "interrupted",
            2.0,
            error="KeyboardInterrupt raised inside the scenario",
            rollback=tally(restored=1, pending=1),
        ),
        finished(4, 130),
    ]
    doc = parse(render_html(events))
    assert "interrupted by SIGINT" in doc.by_id("exit-code").text
    assert doc.by_id("verdict").text == "interrupted"
    (row,) = _rows(doc, "scenario")
    assert row[3] == "interrupted" and row[5] == "1 restored, 1 pending"
    assert "KeyboardInterrupt" in row[6]
    (rollback,) = [td for td in doc.by_id("summary").find_all("td", "incomplete")]
    assert rollback.text == "1 restored, 1 pending"
    last = _rows(doc.by_id("scenario-1"), "step")[-1]
    assert last[1:] == ["failure", "rollback.incomplete", "rollback: 1 restored, 1 pending"]


def test_run_that_did_not_record_its_end() -> None:
    pod = "pod_disruption_scenarios"
    events = [started(0), scenario_started(1, pod, "p.yaml")]
    doc = parse(render_html(events))
    assert doc.by_id("verdict").text == "unknown"
    assert "did not record its end" in doc.by_id("exit-code").text
    (row,) = _rows(doc, "scenario")
    assert (row[3], row[4], row[5]) == ("unfinished", "not recorded at +1.00 s", "not recorded")


def test_empty_run_and_stopped_before_any_scenario() -> None:
    doc = parse(render_html([]))
    assert "No scenario ran" in doc.by_id("no-scenarios").text
    assert doc.by_id("verdict").text == "unknown"
    assert not doc.find_all("article")
    assert _rows(doc.by_id("events"), "event") == []
    stale = [
        started(0),
        emitted(0.1, "", "run.stale", "2 pending entries from 1 earlier run(s)"),
        finished(0.2, 1, "stale runs could not be rolled back; nothing was injected"),
    ]
    doc = parse(render_html(stale))
    warnings = [p.text for p in doc.find_all("p", "warning")]
    assert warnings == [
        "Stopped early: stale runs could not be rolled back; nothing was injected",
        "Earlier runs: 2 pending entries from 1 earlier run(s)",
    ]
    assert "nothing was injected" in doc.by_id("no-scenarios").text


def test_long_runs_of_one_kind_are_folded_in_the_timeline_only() -> None:
    pod = "pod_disruption_scenarios"
    kills = [emitted(2 + i / 100, pod, "pod.killed", f"deleted pod web/p{i}") for i in range(1000)]
    events = [
        started(0),
        scenario_started(1, pod, "p.yaml"),
        *kills,
        scenario_finished(20, pod, "p.yaml", duration=19.0),
        finished(21, 0),
    ]
    doc = parse(render_html(events))
    timeline = doc.by_id("scenario-1")
    kinds = [r[2] for r in _rows(timeline, "step")]
    assert kinds == ["pod.killed"] * RUN_OF_KIND_SHOWN + ["rollback.settled"]
    (folded,) = _rows(timeline, "folded")
    assert f"and {1000 - RUN_OF_KIND_SHOWN} more pod.killed events until +10.99 s" in folded[3]
    assert len(_rows(doc.by_id("events"), "event")) == len(events)


def _bar(style: str) -> tuple[float, float]:
    found = re.fullmatch(r"left: ([\d.]+)%; width: ([\d.]+)%", style)
    assert found, style
    return float(found[1]), float(found[2])


def test_overview_bars_stay_visible_and_say_their_duration_at_any_scale() -> None:
    pod, node = "pod_disruption_scenarios", "node_scenarios"
    events = [
        started(0),
        scenario_started(1, node, "nodes.yaml"),
        scenario_finished(7201, node, "nodes.yaml", duration=7200.0),
        scenario_started(7201, pod, "pods.yaml"),
        scenario_finished(7201.05, pod, "pods.yaml", status="failed", duration=0.05),
        finished(7201.1, 1),
    ]
    doc = parse(render_html(events))
    lanes = doc.by_id("overview").find_all("div", "lane")
    assert [lane.find_all("span", "lane-time")[0].text for lane in lanes] == [
        "2 h 00 min 00.0 s",
        "0.05 s",
    ]
    (long_bar,) = lanes[0].find_all("span", "span")
    (short_bar,) = lanes[1].find_all("span", "span")
    long_left, long_width = _bar(long_bar.attrs["style"])
    short_left, short_width = _bar(short_bar.attrs["style"])
    assert long_width > 99 and long_left < 0.1
    # 0.05 s of two hours would be 0.0007 %: the bar keeps a visible width, inside the track
    assert short_width == MIN_BAR_PERCENT and short_left + short_width <= 100
    assert "status-failed" in short_bar.classes()
    # each scenario's own event bar is labelled with its length too
    axis = doc.by_id("scenario-2").find_all("div", "axis")[0]
    assert [span.text for span in axis.find_all("span")] == ["+0.00 s", "0.05 s"]


def test_durations_read_naturally() -> None:
    assert format_duration(4.2) == "4.20 s"
    assert format_duration(215.4) == "3 min 35.4 s"
    assert format_duration(3725.0) == "1 h 02 min 05.0 s"
    assert format_duration(None) == "not recorded"


def test_write_reports_writes_the_html_beside_json_and_junit(tmp_path: Path) -> None:
    events: list[Event] = pod_run()
    paths = write_reports(tmp_path / "out", events)
    assert sorted(p.name for p in paths) == ["junit.xml", "report.html", "report.json"]
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page == render_html(events)


def test_files_skipped_on_request_have_their_own_table() -> None:
    skipped = emitted(
        0.1,
        "container_scenarios",
        "scenario.skipped",
        "container_scenarios: scenarios/container.yaml skipped (not implemented)",
        file="/krkn/scenarios/container.yaml",
        written="scenarios/container.yaml",
        reason="a Krkn scenario type undertow does not implement",
        config="config/config.yaml:24",
    )
    events = pod_run()
    doc = parse(render_html([events[0], skipped, *events[1:]]))
    assert _rows(doc.by_id("skipped"), "skipped-file") == [
        [
            "scenarios/container.yaml",
            "container_scenarios",
            "a Krkn scenario type undertow does not implement",
            "config/config.yaml:24",
        ]
    ]
    assert "1 file (--skip-unsupported)" in doc.by_id("run").text
    assert len(_rows(doc, "scenario")) == 1  # the skipped file is not a scenario that ran


def test_no_skipped_table_when_nothing_was_skipped() -> None:
    doc = parse(render_html(pod_run()))
    assert not [n for n in doc.find_all("section") if n.attrs.get("id") == "skipped"]
    assert "Skipped" not in doc.by_id("run").text
