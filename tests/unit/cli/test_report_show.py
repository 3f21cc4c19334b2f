"""`undertow report show`: a run's summary in the terminal, from its report directory or its
id (every run keeps its report.json in its state directory)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from undertow.events import Event
from undertow.report import render_json, write_reports

T0 = 1_764_000_000.0


def _events(run_id: str, *, code: int = 1) -> list[Event]:
    scenario = "pod_disruption_scenarios"
    health = {"target": "web", "downtime": 4.0, "outages": [], "series": []}
    alert = {"severity": "error", "fired": True, "error": "", "description": "etcd slow"}
    slo = {"severity": "critical", "fired": True, "passed": False, "description": "5xx seen"}
    return [
        Event("run.started", f"run {run_id}", "", T0, {"run_id": run_id}),
        Event("scenario.started", "pods", scenario, T0 + 1, {"iteration": 1, "file": "pods.yaml"}),
        Event(
            "scenario.finished",
            "pods: failed",
            scenario,
            T0 + 5,
            {
                "iteration": 1,
                "file": "pods.yaml",
                "status": "failed",
                "duration": 4.0,
                "error": "error alert fired: etcd slow",
                "rollback": {"restored": 2, "errors": []},
                "health": [health],
                "alerts": [alert],
                "slos": [slo],
                "resiliency": {"score": 50, "lost": ["health web"]},
            },
        ),
        Event("run.finished", f"exit code {code}", "", T0 + 6, {"exit_code": code}),
    ]


def test_show_a_report_directory(workdir: Path, cli: Callable[..., Any]) -> None:
    write_reports(workdir / "rep", _events("run-aaa"))
    result = cli("report", "show", "rep")
    assert result.code == 0, result
    text = " ".join(result.out.split())
    assert "run run-aaa: failed (exit code 1: failed: a scenario or its recovery" in text
    assert "pod_disruption_scenarios" in text and "2 restored" in text
    assert "health web: down 4.00 s" in text
    assert "alert error fired: etcd slow" in text
    assert "slo critical failed: 5xx seen" in text


def test_show_a_run_by_its_id_prefix_from_the_state_directory(
    workdir: Path, cli: Callable[..., Any]
) -> None:
    runs = workdir / "state" / "undertow" / "runs"
    for run_id, code in (("3f2a-one", 143), ("77b0-two", 0)):
        (runs / run_id).mkdir(parents=True)
        (runs / run_id / "report.json").write_text(render_json(_events(run_id, code=code)))
    result = cli("report", "show", "3f2a")
    assert result.code == 0, result
    assert "run 3f2a-one: interrupted (exit code 143: interrupted by SIGTERM" in " ".join(
        result.out.split()
    )


def test_nothing_to_show_is_bad_input(workdir: Path, cli: Callable[..., Any]) -> None:
    result = cli("report", "show", "nope")
    assert result.code == 2
    assert "no report directory, report.json or run id 'nope'" in result.err
    (workdir / "bad.json").write_text("{}")
    result = cli("report", "show", "bad.json")
    assert result.code == 2 and "not a report.json undertow wrote" in result.err
