"""What an exec's final status says: ran and exited, could not start, or was cut short."""

from __future__ import annotations

import json

import pytest

from undertow.kube.exec import ExecResult, _exit_status

NOT_FOUND = (
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "kill": '
    "executable file not found in $PATH: unknown"
)


def status(**fields: object) -> str:
    return json.dumps({"kind": "Status", "apiVersion": "v1", **fields})


def test_exit_codes_from_the_kubelets_status() -> None:
    assert _exit_status(status(status="Success")) == (0, "")
    failed = status(
        status="Failure",
        reason="NonZeroExitCode",
        details={"causes": [{"reason": "ExitCode", "message": "3"}]},
    )
    assert _exit_status(failed) == (3, "")
    assert _exit_status(status(status="Failure", message=NOT_FOUND)) == (None, NOT_FOUND)
    assert _exit_status("") == (None, "")


@pytest.mark.parametrize(
    ("result", "not_started", "cut_short"),
    [
        (ExecResult(0, "", ""), False, False),
        (ExecResult(1, "", "kill: can't kill pid 1"), False, False),
        (ExecResult(137, "", ""), False, True),  # killed with the container it ran in
        (ExecResult(None, "", ""), False, True),  # the stream ended with the container
        (ExecResult(None, "", NOT_FOUND), True, False),
    ],
)
def test_not_started_and_cut_short(result: ExecResult, not_started: bool, cut_short: bool) -> None:
    assert (result.not_started, result.cut_short) == (not_started, cut_short)
