"""Krkn's command line: `run_kraken.py` flags on `undertow run`, the `undertow-run-kraken`
translation, Krkn's exit codes, and Krkn's one-test-case JUnit file."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from undertow.cli.exit_codes import ExitCodes, ExitScheme
from undertow.cli.krkn_flags import krkn_outputs
from undertow.cli.run_kraken import translate
from undertow.report.krkn_junit import render_krkn_junit

Cli = Callable[..., CliResult]


def test_run_kraken_flags_become_an_undertow_run_with_krkn_exit_codes() -> None:
    assert translate(["-c", "c.yaml"]) == [
        "run", "-c", "c.yaml", "--exit-codes", "krkn", "-o", "kraken.report",
    ]  # fmt: skip
    args = translate(
        [
            "--config=x.yaml",
            "-o",
            "/tmp/report.out",
            "--junit-testcase",
            "app outage",
            "--junit-testcase-path",
            "/art",
            "--junit-testcase-version",
            "4.19",
            "-r",
            "abc",
            "-d",
            "True",
        ]
    )
    assert args == [
        "run", "-c", "x.yaml", "--exit-codes", "krkn", "-o", "/tmp/report.out",
        "--junit-testcase", "app outage", "--junit-testcase-path", "/art",
        "--junit-testcase-version", "4.19", "--run-id", "abc", "--debug",
    ]  # fmt: skip
    assert translate([])[:3] == ["run", "-c", "config/config.yaml"]
    assert "--debug" not in translate(["-d", "False"])
    assert translate(["--skip-unsupported"])[-1] == "--skip-unsupported"
    assert "--skip-unsupported" not in translate([])


def test_run_kraken_rollback_commands_keep_their_filters() -> None:
    assert translate(["-r", "abc", "-s", "node_scenarios", "execute-rollback"]) == [
        "execute-rollback", "-r", "abc", "-s", "node_scenarios", "-c", "config/config.yaml",
    ]  # fmt: skip
    assert translate(["list-rollback"]) == ["list-rollback", "-c", "config/config.yaml"]


def test_exit_code_schemes() -> None:
    krkn = ExitCodes(ExitScheme.krkn)
    assert [krkn(c) for c in (0, 1, 2, 3, 130, 143)] == [0, 1, 255, 1, 130, 143]
    assert [ExitCodes()(c) for c in (0, 1, 2, 3, 130)] == [0, 1, 2, 3, 130]


def test_bad_input_exits_255_with_krkn_exit_codes(workdir: Path, cli: Cli) -> None:
    assert cli("run", "-c", "missing.yaml").code == 2
    result = cli("run", "-c", "missing.yaml", "--exit-codes", "krkn")
    assert result.code == 255 and "missing.yaml: file not found" in result.err


def test_junit_flags_are_checked_before_anything_runs(workdir: Path, cli: Cli) -> None:
    result = cli("run", "-c", "missing.yaml", "--junit-testcase", "x")
    assert result.code == 2
    assert "command line at --junit-testcase: needs --junit-testcase-path DIR" in result.err
    (workdir / "file").write_text("")
    result = cli("run", "-c", "c.yaml", "--junit-testcase", "x", "--junit-testcase-path", "file")
    assert result.code == 2 and "file is not a directory" in result.err
    result = cli("run", "-c", "c.yaml", "--junit-testcase-path", str(workdir), "-r", "../x")
    assert result.code == 2
    assert "--junit-testcase-path: needs --junit-testcase NAME" in result.err
    assert "--run_uuid: run id '../x' cannot name a rollback context" in result.err


def test_a_failed_run_writes_krkn_junit_with_the_log_and_the_output_file(
    workdir: Path, cli: Cli
) -> None:
    result = cli(
        "run", "-c", "missing.yaml", "-o", "kraken.report",
        "--junit-testcase", "[sig-etcd] chaos", "--junit-testcase-path", str(workdir),
        "--junit-testcase-version", "4.19",
    )  # fmt: skip
    assert result.code == 2
    [written] = workdir.glob("junit_krkn_*.xml")
    suite = ET.fromstring(written.read_text())
    assert (suite.tag, suite.get("name"), suite.get("failures")) == ("testsuite", "chaos-krkn", "1")
    assert suite.find("property").attrib == {"name": "TestVersion", "value": "4.19"}  # type: ignore[union-attr]
    assert suite.find("testcase").get("name") == "[sig-etcd] chaos"  # type: ignore[union-attr]
    assert (workdir / "kraken.report").exists()


def test_krkn_outputs_tee_the_log_and_write_a_passing_case(tmp_path: Path) -> None:
    import logging

    from undertow.cli.krkn_flags import KrknJunit

    with krkn_outputs(tmp_path / "out.log", KrknJunit("case", tmp_path)) as verdict:
        logging.getLogger("undertow.test").warning("hello")
        verdict.code = 0
    assert "[WARNING] hello" in (tmp_path / "out.log").read_text()
    [written] = tmp_path.glob("junit_krkn_*.xml")
    suite = ET.fromstring(written.read_text())
    assert suite.get("failures") == "0" and suite.find("testcase/failure") is None


@pytest.mark.parametrize("passed", [True, False])
def test_krkn_junit_document_is_krkns(passed: bool) -> None:
    text = render_krkn_junit(passed=passed, seconds=7, name="n", output="log", version=None)
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<testsuite name=\"chaos-krkn\"")
    expected_case = (
        '<testcase name="n" time="7" />'
        if passed
        else '<testcase name="n" time="7"><failure message="">log</failure></testcase>'
    )
    assert text.endswith(expected_case + "</testsuite>")
    assert 'tests="1" skipped="0" failures="' + ("0" if passed else "1") + '" time="7"' in text
