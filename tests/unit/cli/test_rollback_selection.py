"""`rollback list|execute --run/--scenario`: a run id prefix works, and a selection that
names nothing, or several runs, or a scenario type that does not exist, is bad input (exit 2)
with the candidates listed — never "nothing to do". No cluster: every case stops before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from undertow.rollback.journal import Journal
from undertow.undo.records import DeleteCreated

Cli = Callable[..., CliResult]


def dead_run(versions: Path, run_id: str, scenario_type: str = "sleep_scenarios") -> Path:
    data: DeleteCreated = {
        "action": "delete_created",
        "description": "delete ConfigMap default/a created by undertow",
        "target": {
            "api_version": "v1",
            "kind": "ConfigMap",
            "name": "a",
            "namespace": "default",
            "uid": None,
        },
        "labels": {"undertow.io/run-id": run_id, "undertow.io/entry": "a"},
    }
    journal = Journal.open(versions, run_id)
    entry = journal.record(scenario_type, data)
    journal.close()  # lock released: the run is dead, its file pending
    return entry.path


@pytest.fixture
def versions(workdir: Path) -> Path:
    versions = workdir / "versions"
    dead_run(versions, "aa11-first")
    dead_run(versions, "aa22-second")
    return versions


def test_the_start_of_a_run_id_selects_that_run(versions: Path, cli: Cli) -> None:
    result = cli("rollback", "list", "--run", "aa1", "--versions-dir", str(versions), "--json")
    assert result.code == 0, result
    assert '"run_id": "aa11-first"' in result.out
    assert "aa22-second" not in result.out


@pytest.mark.parametrize("command", ["list", "execute"])
def test_an_ambiguous_prefix_is_bad_input_listing_the_candidates(
    versions: Path, cli: Cli, command: str
) -> None:
    result = cli("rollback", command, "--run", "aa", "--versions-dir", str(versions))
    assert result.code == 2, result
    assert result.err.splitlines()[1] == (
        "  command line at --run: 'aa' is the start of 2 runs (aa11-first, aa22-second); "
        "give more of the id"
    )


def test_a_run_that_does_not_exist_is_bad_input(versions: Path, cli: Cli) -> None:
    result = cli("rollback", "execute", "--run", "zz", "--versions-dir", str(versions), "--yes")
    assert result.code == 2, result
    assert result.err.splitlines()[1] == (
        f"  command line at --run: no run 'zz' in {versions} (runs there: aa11-first, aa22-second)"
    )
    assert "nothing to do" not in result.out + result.err


def test_an_unknown_scenario_type_is_bad_input_with_a_hint(versions: Path, cli: Cli) -> None:
    result = cli(
        "rollback", "execute", "--scenario", "node_scenario", "--versions-dir", str(versions)
    )
    assert result.code == 2, result
    assert result.err.splitlines()[1].startswith(
        "  command line at --scenario: unknown scenario type 'node_scenario' "
        "(did you mean 'node_scenarios'? known: "
    )


def test_a_scenario_type_with_nothing_pending_is_bad_input(versions: Path, cli: Cli) -> None:
    result = cli(
        "rollback", "execute", "--scenario", "node_scenarios", "--versions-dir", str(versions)
    )
    assert result.code == 2, result
    assert result.err.splitlines()[1] == (
        f"  command line at --scenario: no pending version file of scenario type "
        f"node_scenarios in {versions} (`undertow rollback list --all` shows every file there)"
    )


def test_refused_files_are_said_so_not_nothing_to_do(versions: Path, cli: Cli) -> None:
    for path in versions.rglob("*.py"):
        path.chmod(0o666)
    result = cli("rollback", "execute", "--run", "aa11", "--versions-dir", str(versions), "--yes")
    assert result.code == 3, result
    assert "rollback: 1 refused (left untouched)" in result.out
    assert "nothing to do" not in result.out + result.err


def test_list_wraps_long_names_instead_of_cutting_them(versions: Path) -> None:
    from rich.console import Console

    from undertow.cli.rollback import print_runs
    from undertow.rollback.directory import list_runs

    names = sorted(p.name for p in versions.rglob("*.py"))
    for width in (60, 200):
        console = Console(width=width, record=True)
        print_runs(list_runs(versions), versions, console)
        text = console.export_text()
        assert "…" not in text and "..." not in text
        if width == 200:
            assert all(name in text for name in names), text


def test_file_takes_a_name_as_list_shows_it(versions: Path, cli: Cli) -> None:
    from undertow.commands.rollback_filters import find_version_file

    pending = next(versions.rglob("*aa11-first/*.py"))
    assert find_version_file(versions, Path(pending.name)) == pending
    assert find_version_file(versions, pending) == pending
    result = cli("rollback", "execute", "--file", "nope.py", "--versions-dir", str(versions))
    assert result.code == 2, result
    assert result.err.splitlines()[1] == (
        f"  command line at --file: no version file 'nope.py' (nor one of that name in {versions})"
    )


def test_an_unreachable_cluster_is_exit_2_and_the_files_stay_pending(
    versions: Path, workdir: Path, cli: Cli
) -> None:
    (workdir / "kc").write_text(
        "apiVersion: v1\nkind: Config\n"
        "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    before = sorted(versions.rglob("*.py"))
    args = ["rollback", "execute", "--run", "aa11", "--versions-dir", str(versions), "--yes"]
    result = cli(*args, "--kubeconfig", "kc")
    assert result.code == 2, result
    assert "error: cannot reach the API server at https://127.0.0.1:9" in result.err
    assert "hint: the kubeconfig (kc) came from --kubeconfig" in result.err
    result = cli(*args, "--kubeconfig", "kc", "--context", "prod")
    assert result.code == 2, result
    assert "error: context 'prod' is not in the kubeconfig kc (its contexts: x)" in result.err
    result = cli(*args, "--kubeconfig", "missing")
    assert result.code == 2, result
    assert "kubeconfig missing does not exist" in result.err
    assert sorted(versions.rglob("*.py")) == before


def test_declining_the_confirmation_changes_nothing_and_says_so(
    versions: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    before = sorted(versions.rglob("*.py"))
    result = cli("rollback", "execute", "--run", "aa11", "--versions-dir", str(versions))
    assert result.code == 1, result
    assert "not confirmed: nothing was undone; the files stay pending" in result.err
    assert sorted(versions.rglob("*.py")) == before
