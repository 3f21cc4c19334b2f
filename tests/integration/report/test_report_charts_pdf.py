"""report.html's charts in a real browser, and report.pdf printed from it.

Headless Chromium loads a report whose scenario had a health target (one outage) and a
metrics profile: the availability chart (samples, the outage, the injection and undo marks)
and the metric's lines are in the DOM it dumps, and its screenshot is kept as a test
artifact (reports/artifacts/report-charts.png). `print_pdf` prints the page; poppler's
pdftoppm renders its first page and pdftotext finds the run id in it. Without Chromium or
poppler-utils the tests are skipped, except in CI (CI=true), which installs them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from browser import require

from undertow.events import Event
from undertow.report import write_reports
from undertow.report.pdf import find_chromium, headless, print_pdf

ARTIFACTS = Path(__file__).parents[3] / "reports" / "artifacts"
T0 = 1_764_000_000.0
RUN_ID = "3f2a9c1e-charts-run"
HOSTILE_LABEL = "<script>alert(1)</script>"


def _events() -> list[Event]:
    scenario = "pod_disruption_scenarios"
    health = {
        "target": "web",
        "samples": 6,
        "failed_samples": 2,
        "downtime": 4.0,
        "first_failure": T0 + 4,
        "first_failure_detail": "503",
        "time_to_recover": 4.0,
        "recovered": True,
        "exit_on_failure": False,
        "outages": [{"start": T0 + 4, "end": T0 + 8, "recovered": True}],
        "series": [[T0 + t, 0 if t in (4, 6) else 1] for t in (0, 2, 4, 6, 8, 10)],
    }
    metric = {
        "metricName": "apiserverRequests",
        "query": "sum(rate(apiserver_request_total[1m]))",
        "error": "",
        "series": [
            {"labels": {"verb": "GET"}, "values": [[T0 + t, str(t * 1.5)] for t in range(11)]},
            {"labels": {"verb": HOSTILE_LABEL}, "values": [[T0 + t, "2"] for t in range(11)]},
        ],
    }
    clean = {"restored": 0, "already_restored": 0, "conflicts": 0, "failed": 0, "pending": 0}
    return [
        Event("run.started", f"run {RUN_ID}", "", T0 - 1, {"run_id": RUN_ID}),
        Event("scenario.started", "pods", scenario, T0, {"iteration": 1, "file": "pods.yaml"}),
        Event("pod.killed", "deleted pod shop/web-1", scenario, T0 + 3, {"pod": "shop/web-1"}),
        Event("outage.ended", "policy removed", scenario, T0 + 7, {}),
        Event(
            "scenario.finished",
            "pods: passed",
            scenario,
            T0 + 10,
            {
                "iteration": 1,
                "file": "pods.yaml",
                "status": "passed",
                "duration": 10.0,
                "summary": "",
                "error": "",
                "targets": [],
                "metrics": {},
                "rollback": {**clean, "errors": []},
                "health": [health],
                "prometheus_metrics": [metric],
            },
        ),
        Event("run.finished", "exit code 0", "", T0 + 11, {"exit_code": 0, "stopped_early": ""}),
    ]


def test_the_charts_are_in_the_dom_chromium_renders(tmp_path: Path) -> None:
    chromium = require(find_chromium(), "headless Chromium")
    write_reports(tmp_path / "out", _events())
    page = (tmp_path / "out" / "report.html").as_uri()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "report-charts.png"
    screenshot.unlink(missing_ok=True)
    shot = subprocess.run(
        [
            *headless(chromium, tmp_path / "profile"),
            "--window-size=1280,2400",
            f"--screenshot={screenshot}",
            page,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dumped = subprocess.run(
        [*headless(chromium, tmp_path / "profile2"), "--dump-dom", page],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    # The availability chart: six samples, two of them unhealthy, one outage, the marks.
    assert 'id="chart-1-1" data-kind="availability"' in dom
    assert dom.count('class="sample"') == 6
    assert dom.count('fill="#cf222e"><title>') == 2
    assert dom.count('class="outage"') == 1
    assert dom.count('class="mark-inject"') == 2  # one per chart
    assert dom.count('class="mark-undo"') == 4  # outage.ended and the rollback, per chart
    # The metric's chart: one line per series; the hostile label is text, not markup.
    assert 'id="chart-1-2" data-kind="metric"' in dom
    assert dom.count('class="series"') == 2
    assert "apiserverRequests: sum(rate(apiserver_request_total[1m]))" in dom
    assert HOSTILE_LABEL not in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


def test_report_pdf_shows_the_run_id_on_its_first_page(tmp_path: Path) -> None:
    require(find_chromium(), "headless Chromium")
    pdftoppm = require(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    pdftotext = require(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    write_reports(tmp_path / "out", _events())
    pdf = print_pdf(tmp_path / "out" / "report.html")
    assert pdf == tmp_path / "out" / "report.pdf"
    rendered = subprocess.run(
        [pdftoppm, "-f", "1", "-l", "1", "-png", "-r", "50", str(pdf), str(tmp_path / "page")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    (page,) = tmp_path.glob("page*.png")
    assert page.read_bytes()[:4] == b"\x89PNG"
    text = subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert RUN_ID in text
