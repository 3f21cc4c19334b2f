"""A scenario's bad input found at run time names the file, the line and the field."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from undertow.clock import CancelToken
from undertow.errors import ScenarioInputError
from undertow.events import EventLog
from undertow.scenarios.base import RunContext


def context(file: Path) -> RunContext:
    nothing: Any = None  # what input_error never uses
    return RunContext(
        scenario_type="network_chaos_ng_scenarios",
        scenario_file=str(file),
        kube=nothing,
        clock=nothing,
        cancel=CancelToken(),
        events=EventLog(),
        log=logging.getLogger("test"),
    )


def test_the_error_points_at_the_line_of_the_field(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("- id: pod_network_filter\n  target: web\n  interfaces:\n  - eth0\n  - eth9\n")
    error = context(file).input_error((0, "interfaces", 1), "no such interface eth9")
    assert isinstance(error, ScenarioInputError)
    assert str(error) == f"{file}:5 at [0].interfaces[1]: no such interface eth9"
    assert (error.issue.file, error.issue.field, error.issue.line) == (
        str(file),
        "[0].interfaces[1]",
        5,
    )


def test_a_file_gone_since_validation_still_names_the_field(tmp_path: Path) -> None:
    error = context(tmp_path / "gone.yaml").input_error((0, "interfaces"), "no such interface")
    assert str(error) == f"{tmp_path / 'gone.yaml'} at [0].interfaces: no such interface"
