"""The versions directory: runs, their version files, and which runs are still alive.

Reading only, no cluster: `rollback list` and the runner's stale-run check use this.
`load_for_execution` is the one audited place a version file is read before its undo is
run: ownership and permission checks on the file and its directories, then the template
check, then `ast.literal_eval` of the data. Nothing in a file is ever imported or executed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from undertow import errors
from undertow.rollback import safety, template
from undertow.rollback.entry import JournalEntry, newest_first
from undertow.rollback.lock import RunRecord, is_live, read_record
from undertow.rollback.naming import VersionName, parse_context, parse_version_file

_HEAD_CHUNK = 4096


@dataclass(frozen=True)
class ListedFile:
    """A version file as listed: what its header says it undoes, or the problem found."""

    path: Path
    name: VersionName
    run_id: str
    undo: str
    object: str
    problem: str | None = None

    @property
    def description(self) -> str:
        return self.undo if self.problem is None else f"unreadable: {self.problem}"


@dataclass
class RunInfo:
    """One rollback context (one run)."""

    path: Path
    run_id: str
    started_ns: int
    live: bool
    record: RunRecord | None
    pending: list[ListedFile] = field(default_factory=list)
    executed: list[ListedFile] = field(default_factory=list)


def _contexts(versions_dir: Path) -> Iterator[tuple[Path, int, str]]:
    try:
        children = list(os.scandir(versions_dir))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise errors.JournalError(
            f"cannot read the versions directory {versions_dir}: {exc}"
        ) from exc
    for child in children:
        parsed = parse_context(child.name)
        if parsed and child.is_dir(follow_symlinks=False):
            yield Path(child.path), parsed[0], parsed[1]


def _files(context: Path) -> Iterator[tuple[Path, VersionName]]:
    for child in os.scandir(context):
        name = parse_version_file(child.name)
        if name is not None:
            yield Path(child.path), name


def _read_head(path: Path) -> str:
    """The file up to and including the undo-code marker (listing never needs the code)."""
    marker = template.MARKER.encode()
    with path.open("rb") as handle:
        data = handle.read(_HEAD_CHUNK)
        while marker not in data:
            more = handle.read(_HEAD_CHUNK * 4)
            if not more:
                break
            data += more
    end = data.find(marker)
    return (data if end < 0 else data[: end + len(marker)]).decode("utf-8")


def _listed(path: Path, name: VersionName, run_id: str) -> ListedFile:
    try:
        header = template.read_header(_read_head(path))
    except (OSError, UnicodeDecodeError, errors.JournalError) as exc:
        return ListedFile(path, name, run_id, "", "", str(exc))
    return ListedFile(path, name, run_id, header["Undo"], header["Object"])


def list_runs(
    versions_dir: Path,
    *,
    run_id: str | None = None,
    scenario_type: str | None = None,
    include_executed: bool = False,
) -> list[RunInfo]:
    """Every run with version files matching the filters, oldest run first."""
    runs: list[RunInfo] = []
    for context, started, ctx_run in sorted(_contexts(versions_dir), key=lambda c: c[1]):
        if run_id is not None and ctx_run != run_id:
            continue
        info = RunInfo(context, ctx_run, started, is_live(context), read_record(context))
        for path, name in sorted(_files(context), key=lambda f: f[1].sort_key, reverse=True):
            if scenario_type is not None and name.scenario_type != scenario_type:
                continue
            if name.executed and not include_executed:
                continue
            listed = _listed(path, name, ctx_run)
            (info.executed if name.executed else info.pending).append(listed)
        if info.pending or info.executed:
            runs.append(info)
    return runs


def stale_runs(versions_dir: Path) -> list[RunInfo]:
    """Runs whose process is gone but which left pending version files."""
    return [r for r in list_runs(versions_dir) if not r.live and r.pending]


def load_for_execution(path: Path) -> JournalEntry:
    """Read one version file for the executor, after every safety check.

    Raises errors.TamperedVersionFile (with the reason) for a file not owned by the current
    user, group/world-writable, in a group/world-writable directory, or whose code is not
    exactly what this undertow writes.
    """
    name = parse_version_file(path.name)
    if name is None:
        raise errors.TamperedVersionFile(f"{path}: not a version-file name; refused")
    if name.executed:
        raise errors.JournalError(f"{path} was already executed; it is kept as history only")
    resolved = path.absolute()
    for directory in (resolved.parent, resolved.parent.parent):
        safety.check_dir(directory)
    safety.check_file(resolved)
    try:
        data = template.parse(resolved.read_text("utf-8"))
    except errors.TamperedVersionFile as exc:
        raise errors.TamperedVersionFile(f"{path}: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise errors.JournalError(f"cannot read {path}: {exc}") from exc
    context = parse_context(resolved.parent.name)
    run_id = context[1] if context else str(data.get("run_id", ""))
    return JournalEntry(resolved, name, run_id, data)


@dataclass
class Selection:
    """Pending entries chosen for execution, and what was refused or skipped and why."""

    entries: list[JournalEntry] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    live_runs: list[RunInfo] = field(default_factory=list)


def select_pending(
    versions_dir: Path, *, run_id: str | None = None, scenario_type: str | None = None
) -> Selection:
    """Pending entries of dead runs matching the filters (live runs are left to themselves)."""
    selection = Selection()
    for run in list_runs(versions_dir, run_id=run_id, scenario_type=scenario_type):
        if run.live:
            selection.live_runs.append(run)
            continue
        for listed in run.pending:
            try:
                selection.entries.append(load_for_execution(listed.path))
            except errors.JournalError as exc:
                selection.refused.append((listed.path, str(exc)))
    selection.entries = newest_first(selection.entries)
    return selection
