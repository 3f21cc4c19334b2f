"""report.html in a real browser: headless Chromium loads it, runs its script, logs nothing.

The page's only script (the event filter) unhides the filter box and counts the rows; a
script error or a Content-Security-Policy refusal shows up as a console message in
Chromium's log. Without Chromium the test is skipped, except in CI (CI=true), which installs
it: there it fails.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from browser import require

from undertow.events import Event
from undertow.report import write_reports
from undertow.report.pdf import find_chromium, headless

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
T0 = 1_764_000_000.0


def _events() -> list[Event]:
    pod, node = "pod_disruption_scenarios", "node_scenarios"
    finished = {"iteration": 1, "summary": "", "error": "", "targets": [], "metrics": {}}
    clean = {"restored": 0, "already_restored": 0, "conflicts": 0, "failed": 0, "pending": 0}
    return [
        Event("run.started", "run r1", "", T0, {"run_id": "r1"}),
        Event("scenario.started", "pod", pod, T0 + 1, {"iteration": 1, "file": "pods.yaml"}),
        Event("pod.killed", f"deleted pod web/{HOSTILE}", pod, T0 + 2, {"pod": HOSTILE}),
        Event("recovery.ok", "back in 2.0s", pod, T0 + 4, {"seconds": 2.0}),
        Event(
            "scenario.finished",
            "pod: passed",
            pod,
            T0 + 5,
            {
                **finished,
                "file": "pods.yaml",
                "status": "passed",
                "duration": 4.0,
                "rollback": {**clean, "errors": []},
            },
        ),
        Event("scenario.started", "node", node, T0 + 6, {"iteration": 1, "file": "nodes.yaml"}),
        Event("node.cordoned", "cordoned node n1", node, T0 + 7, {"node": "n1"}),
        Event("recovery.failed", "n1 not Ready in 30s", node, T0 + 37, {}),
        Event(
            "scenario.finished",
            "node: failed",
            node,
            T0 + 38,
            {
                **finished,
                "file": "nodes.yaml",
                "status": "failed",
                "duration": 32.0,
                "rollback": {**clean, "restored": 1, "errors": []},
            },
        ),
        Event("run.finished", "exit code 1", "", T0 + 39, {"exit_code": 1, "stopped_early": ""}),
    ]


@dataclass
class _Dom(HTMLParser):
    """What the assertions need from the DOM Chromium dumped."""

    scripts: int = 0
    imgs: int = 0
    attrs: dict[str, dict[str, str | None]] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)
    _open: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.scripts += tag == "script"
        self.imgs += tag == "img"
        key = values.get("id") or ""
        if key:
            self.attrs[key] = values
            self.texts.setdefault(key, []).append("")
            self._open.append((tag, key))
        elif tag not in {"meta", "input", "col", "br", "link"}:
            self._open.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, key in self._open:
            if key:
                self.texts[key][-1] += data


def _load(chromium: str, page: Path, profile: Path) -> tuple[_Dom, list[str]]:
    """Chromium's DOM after load, and the console messages it logged."""
    done = subprocess.run(
        [
            *headless(chromium, profile),
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Dom()
    dom.feed(done.stdout)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return dom, console


def test_report_loads_in_chromium_without_script_errors(tmp_path: Path) -> None:
    chromium = require(find_chromium(), "headless Chromium")
    write_reports(tmp_path / "out", _events())
    dom, console = _load(chromium, tmp_path / "out" / "report.html", tmp_path / "profile")
    assert console == []
    assert "hidden" not in dom.attrs["event-filter-box"], "the filter script did not run"
    assert dom.texts["event-count"] == ["10 of 10 events shown"]
    rows = [" ".join(text.split()) for key in ("summary-1", "summary-2") for text in dom.texts[key]]
    assert "summary-3" not in dom.texts
    assert "pod_disruption_scenarios pods.yaml passed 4.00 s" in rows[0]
    assert "node_scenarios nodes.yaml failed 32.00 s" in rows[1]
    assert "1 restored" in rows[1]
    assert dom.texts["verdict"] == ["failed"]
    # The hostile pod name is text in the page, never markup.
    assert dom.scripts == 1 and dom.imgs == 0
    assert HOSTILE in "".join(dom.texts["events"])
    assert dom.texts["exit-code"][0].startswith("1")


def test_a_script_the_policy_does_not_allow_is_reported(tmp_path: Path) -> None:
    """The console check above can fail: a changed script is refused and logged."""
    chromium = require(find_chromium(), "headless Chromium")
    write_reports(tmp_path / "out", _events())
    page = tmp_path / "out" / "report.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("<script>", "<script>window.x = 1;", 1),
        encoding="utf-8",
    )
    dom, console = _load(chromium, page, tmp_path / "profile")
    assert any("Content Security Policy" in line for line in console), console
    assert "hidden" in dom.attrs["event-filter-box"]


def test_report_prints_to_pdf(tmp_path: Path) -> None:
    chromium = require(find_chromium(), "headless Chromium")
    write_reports(tmp_path / "out", _events())
    pdf = tmp_path / "report.pdf"
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            (tmp_path / "out" / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/Type /Page" in data
