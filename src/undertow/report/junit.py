"""The run as JUnit XML: one test case per scenario file per iteration, for CI dashboards.

A file skipped on request (`--skip-unsupported`) is one test case with a `<skipped>` element
giving the reason and the config entry that names it. Findings (problems Krkn never checks)
are `finding: …` lines of the test case's `<system-out>`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from undertow.events import Event


def render_junit(events: Sequence[Event], *, suite: str = "undertow") -> str:
    finished = [e for e in events if e.kind == "scenario.finished"]
    cases = []
    failures = errors = 0
    total = 0.0
    for event in finished:
        data = event.data
        duration = float(data.get("duration", 0.0))
        total += duration
        case = ET.Element(
            "testcase",
            classname=event.scenario,
            name=f"{data.get('file', '')} [iteration {data.get('iteration', 1)}]",
            time=f"{duration:.3f}",
        )
        status = data.get("status")
        if status in {"failed", "interrupted"}:
            failures += 1
            failure = ET.SubElement(case, "failure", message=str(data.get("summary") or status))
            failure.text = str(data.get("summary") or status)
        elif status == "error":
            errors += 1
            error = ET.SubElement(case, "error", message=str(data.get("error", "")))
            error.text = str(data.get("error", ""))
        lines = [f"finding: {f}" for f in data.get("findings") or ()]
        rollback = data.get("rollback") or {}
        if rollback:
            lines.append("rollback: " + ", ".join(f"{k}={v}" for k, v in rollback.items() if v))
        if lines:
            ET.SubElement(case, "system-out").text = "\n".join(lines)
        cases.append(case)
    skipped = [_skipped_case(e) for e in events if e.kind == "scenario.skipped"]
    cases += skipped
    suites = ET.Element("testsuites")
    testsuite = ET.SubElement(
        suites,
        "testsuite",
        name=suite,
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(len(skipped)),
        time=f"{total:.3f}",
    )
    testsuite.extend(cases)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _skipped_case(event: Event) -> ET.Element:
    data = event.data
    case = ET.Element(
        "testcase", classname=event.scenario, name=str(data.get("file", "")), time="0.000"
    )
    reason = f"{data.get('reason', 'skipped')} (named at {data.get('config', '?')})"
    ET.SubElement(case, "skipped", message=reason).text = reason
    return case
