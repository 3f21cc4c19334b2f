"""Each row of the exit-code table (docs/config.md#exit-codes), as the user meets it.

Rows that need a live cluster (a run that passes, fails, is interrupted, or leaves a
conflict) are proven end to end in tests/integration/runner/test_run.py; here the mapping
itself, and every row reached before the cluster is touched.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import CliResult
from undertow import errors, exit_codes
from undertow.cli.exit_codes import ExitCodes, ExitScheme
from undertow.runner import RollbackTally, RunOutcome, ScenarioRun

DOCS = Path(__file__).parents[3] / "docs" / "config.md"

Cli = Callable[..., CliResult]

CLOSED_PORT_KUBECONFIG = (
    "apiVersion: v1\nkind: Config\n"
    "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
    "users: [{name: u, user: {token: t}}]\n"
    "contexts: [{name: dev, context: {cluster: c, user: u}}, "
    "{name: prod, context: {cluster: c, user: u}}]\n"
    "current-context: dev\n"
)


def scenario(status: str, rollback: RollbackTally | None = None) -> ScenarioRun:
    return ScenarioRun(
        iteration=1,
        scenario_type="sleep_scenarios",
        file="s.yaml",
        status=status,  # type: ignore[arg-type]
        started_at=0.0,
        duration=0.0,
        rollback=rollback or RollbackTally(),
    )


def outcome(*runs: ScenarioRun, signum: int | None = None) -> RunOutcome:
    return RunOutcome(run_id="r", runs=runs, signal=signum)


@pytest.fixture
def sleep_config(workdir: Path) -> Path:
    (workdir / "s.yaml").write_text("sleep:\n  duration: 0\n")
    (workdir / "config.yaml").write_text("scenarios:\n  - sleep_scenarios: [s.yaml]\n")
    (workdir / "kc").write_text(CLOSED_PORT_KUBECONFIG)
    return workdir / "config.yaml"


def test_the_documented_table_is_the_codes_table() -> None:
    section = DOCS.read_text().split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([\d /]+) \|", section, flags=re.MULTILINE)
    assert [row.strip() for row in rows] == ["0", "1", "2", "3", "130 / 143 / 129"]
    assert (exit_codes.OK, exit_codes.FAILED) == (0, 1)
    assert (exit_codes.BAD_INPUT, exit_codes.ROLLBACK_INCOMPLETE) == (2, 3)
    assert [exit_codes.interrupted(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)] == [
        130,
        143,
        129,
    ]


def test_0_every_scenario_passed() -> None:
    assert outcome(scenario("passed", RollbackTally(restored=1))).exit_code == 0


def test_1_a_scenario_failed_and_was_restored() -> None:
    assert outcome(scenario("failed", RollbackTally(restored=1))).exit_code == 1


def test_1_with_rollback_off_entries_kept_pending_are_not_an_incomplete_rollback() -> None:
    assert outcome(scenario("failed", RollbackTally(pending=1))).exit_code == 1


def test_2_bad_input(sleep_config: Path, cli: Cli) -> None:
    sleep_config.write_text("scenarios:\n  - sleep_scenarios: [missing.yaml]\n")
    assert cli("run", "-c", "config.yaml", "--kubeconfig", "kc").code == 2


def test_2_a_missing_kubeconfig(sleep_config: Path, cli: Cli) -> None:
    result = cli("run", "-c", "config.yaml", "--kubeconfig", "nope")
    assert result.code == 2, result


def test_2_an_unknown_context_names_the_contexts_there_are(sleep_config: Path, cli: Cli) -> None:
    for dry_run in ([], ["--dry-run"]):
        result = cli(
            "run", "-c", "config.yaml", "--kubeconfig", "kc", "--context", "stage", *dry_run
        )
        assert result.code == 2, result
        assert result.err.splitlines()[0] == (
            "error: context 'stage' is not in the kubeconfig kc (its contexts: dev, prod)"
        ), result
    assert list((sleep_config.parent / "state").rglob("*.py")) == []  # nothing journaled


def test_2_an_unreachable_api_server(sleep_config: Path, cli: Cli) -> None:
    result = cli("run", "-c", "config.yaml", "--kubeconfig", "kc")
    assert result.code == 2, result
    assert "error: cannot reach the API server at https://127.0.0.1:9" in result.err


def test_2_a_versions_dir_others_can_write_names_the_fix(sleep_config: Path, cli: Cli) -> None:
    shared = sleep_config.parent / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    result = cli("run", "-c", "config.yaml", "--kubeconfig", "kc", "--versions-dir", "shared")
    assert result.code == 2, result
    assert "Fix with: chmod go-w" in result.err, result
    assert list(shared.iterdir()) == []  # no run context: nothing was opened


def test_3_a_conflict_left_pending_wins_over_a_failed_scenario() -> None:
    conflict = RollbackTally(restored=1, conflicts=1, errors=("label changed since",))
    assert outcome(scenario("failed", conflict)).exit_code == 3


def test_3_a_failed_undo_wins_over_an_interruption() -> None:
    failed = RollbackTally(failed=1, errors=("403",))
    assert outcome(scenario("interrupted", failed), signum=signal.SIGTERM).exit_code == 3


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_128_plus_n_an_interruption_wins_over_a_failed_scenario(signum: int, code: int) -> None:
    assert outcome(scenario("interrupted", RollbackTally(restored=1)), signum=signum).exit_code == (
        code
    )


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.ConfigError([]), 2),
        (errors.ClusterUnreachable("down"), 2),
        (errors.VersionsDirUnusable("mode 0777"), 2),
        (errors.JournalError("cannot write"), 3),
        (errors.TamperedVersionFile("edited"), 3),
        (errors.UndoFailed("conflict"), 3),
        (errors.ScenarioError("no such node"), 1),
        (errors.ServerError("500"), 1),
    ],
)
def test_every_error_has_one_code(error: errors.UndertowError, code: int) -> None:
    assert exit_codes.for_error(error) == code


def test_krkn_scheme_keeps_its_own_codes() -> None:
    krkn = ExitCodes(ExitScheme.krkn)
    assert [krkn(c) for c in (0, 1, 2, 3, 130, 143)] == [0, 1, 255, 1, 130, 143]


def test_the_last_line_says_how_the_run_ended_and_what_is_left() -> None:
    from undertow.cli.output import verdict

    cleaned = RollbackTally(cleaned_up=2)
    assert verdict(outcome(scenario("interrupted", cleaned), signum=signal.SIGINT)) == (
        "interrupted by SIGINT; 2 change(s) undone, nothing left pending"
    )
    assert verdict(outcome(scenario("passed", cleaned))) == (
        "passed: 1 scenario run(s); 2 change(s) undone, nothing left pending"
    )
    assert verdict(outcome(scenario("failed", RollbackTally(pending=1)))) == (
        "failed: 1 of 1 scenario run(s); 0 change(s) undone, 1 left pending "
        "(`undertow rollback list --run r`)"
    )
    bad = replace(
        scenario("error", RollbackTally(restored=1)), bad_input=True, error="s.yaml:3 at x: no"
    )
    assert verdict(outcome(bad)) == (
        "bad input, nothing after it was run: s.yaml:3 at x: no; "
        "1 change(s) undone, nothing left pending"
    )
    conflict = RollbackTally(restored=1, conflicts=1)
    assert verdict(outcome(scenario("failed", conflict))) == (
        "rollback incomplete; 1 change(s) undone, 1 left pending (`undertow rollback list --run r`)"
    )


def test_2_a_scenario_file_naming_what_the_cluster_lacks_wins_over_a_failed_one() -> None:
    bad = replace(scenario("error", RollbackTally(restored=1)), bad_input=True)
    assert outcome(scenario("failed"), bad).exit_code == 2
    assert outcome(bad, signum=signal.SIGTERM).exit_code == 143
    assert outcome(replace(bad, rollback=RollbackTally(failed=1))).exit_code == 3


def test_a_scenario_input_error_is_bad_input_naming_file_line_and_field() -> None:
    issue = errors.ConfigIssue("s.yaml", "[0].interfaces[1]", "no such interface eth9", line=7)
    error = errors.ScenarioInputError(issue)
    assert isinstance(error, errors.ScenarioError)
    assert exit_codes.for_error(error) == 2
    assert str(error) == "s.yaml:7 at [0].interfaces[1]: no such interface eth9"
