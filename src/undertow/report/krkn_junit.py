"""Krkn's one-test-case JUnit file (`--junit-testcase NAME --junit-testcase-path DIR`).

The same document Krkn writes for dashboards that track one verdict per run (sippy): suite
`chaos-krkn`, one test case named by the user, the run's log as the failure text, and an
optional `TestVersion` property; written as `DIR/junit_krkn_<epoch seconds>.xml`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

SUITE = "chaos-krkn"


def render_krkn_junit(
    *, passed: bool, seconds: int, name: str, output: str, version: str | None = None
) -> str:
    root = ET.Element(
        "testsuite",
        name=SUITE,
        tests="1",
        skipped="0",
        failures="0" if passed else "1",
        time=str(seconds),
    )
    if version:
        ET.SubElement(root, "property", name="TestVersion", value=version)
    case = ET.SubElement(root, "testcase", name=name, time=str(seconds))
    if not passed:
        ET.SubElement(case, "failure", message="").text = output
    return "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding="unicode")


def write_krkn_junit(directory: Path, text: str, *, epoch: int) -> Path:
    path = directory / f"junit_krkn_{epoch}.xml"
    path.write_text(text, encoding="utf-8")
    return path
