"""Which version files `rollback list|execute` act on: `--run` (an id, or the start of
exactly one), `--scenario` (a type that exists), `--file` (a path, or a name as `list`
shows it). A selection that names nothing is bad input (errors.ConfigError, exit 2) with
the candidates, never an empty "nothing to do"."""

from __future__ import annotations

import difflib
import glob
from dataclasses import dataclass
from pathlib import Path

from undertow import errors
from undertow.rollback import directory


def _bad_flag(flag: str, message: str) -> errors.ConfigError:
    return errors.ConfigError([errors.ConfigIssue("command line", flag, message)])


def resolve_run(versions_dir: Path, run: str) -> str:
    """The run id `--run` names: a run id, or the start of exactly one (as `rollback list`
    prints them). Bad input (exit 2) when it names none, or several (listed)."""
    ids = sorted({r.run_id for r in directory.list_runs(versions_dir, include_executed=True)})
    if run in ids:
        return run
    matches = [run_id for run_id in ids if run_id.startswith(run)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise _bad_flag(
            "--run",
            f"{run!r} is the start of {len(matches)} runs ({', '.join(matches)}); "
            "give more of the id",
        )
    known = f"runs there: {', '.join(ids)}" if ids else "it holds no version files"
    raise _bad_flag("--run", f"no run {run!r} in {versions_dir} ({known})")


def check_scenario_type(versions_dir: Path, scenario_type: str) -> None:
    """`--scenario` must name a scenario type: one this install runs, or one a version file
    in the versions dir was written for. Bad input (exit 2) otherwise, with a hint."""
    from undertow.scenarios.registry import build_registry

    on_disk = {
        listed.name.scenario_type
        for run in directory.list_runs(versions_dir, include_executed=True)
        for listed in [*run.pending, *run.executed]
    }
    known = sorted(set(build_registry().types()) | on_disk)
    if scenario_type in known:
        return
    close = difflib.get_close_matches(scenario_type, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise _bad_flag(
        "--scenario", f"unknown scenario type {scenario_type!r} ({hint}known: {', '.join(known)})"
    )


def find_version_file(versions_dir: Path, file: Path) -> Path:
    """`--file`: a path, or a bare version-file name as `rollback list` prints it (looked up
    in the versions dir's run contexts). Bad input (exit 2) if there is no such file."""
    if file.exists():
        return file
    if file.name == str(file):
        found = sorted(versions_dir.glob(f"*/{glob.escape(file.name)}"))
        if len(found) == 1:
            return found[0]
    raise _bad_flag(
        "--file", f"no version file {str(file)!r} (nor one of that name in {versions_dir})"
    )


@dataclass(frozen=True)
class Filters:
    """`--run` / `--scenario` as given, resolved against the versions dir (`select`)."""

    run_id: str | None = None
    scenario_type: str | None = None

    @classmethod
    def select(
        cls, versions_dir: Path, *, run: str | None = None, scenario_type: str | None = None
    ) -> Filters:
        """Resolve a run prefix and check the scenario type; ConfigError (exit 2) if bad."""
        if scenario_type is not None:
            check_scenario_type(versions_dir, scenario_type)
        return cls(None if run is None else resolve_run(versions_dir, run), scenario_type)

    def describe(self) -> str:
        parts = [f"run {self.run_id}"] if self.run_id else []
        parts += [f"scenario type {self.scenario_type}"] if self.scenario_type else []
        return " and ".join(parts)

    def nothing_matches(self, versions_dir: Path, what: str) -> errors.ConfigError:
        flag = "--run" if self.run_id else "--scenario"
        return _bad_flag(
            flag,
            f"no {what + ' ' if what else ''}version file of {self.describe()} in {versions_dir} "
            "(`undertow rollback list --all` shows every file there)",
        )

    @property
    def given(self) -> bool:
        return self.run_id is not None or self.scenario_type is not None
