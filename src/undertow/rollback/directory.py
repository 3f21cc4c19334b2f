"""The versions directory: runs, their version files, and which runs are still alive.

Reading only, no cluster: `rollback list` and the runner's stale-run check use this.
`load_for_execution` is the one audited place a version file is read before its undo is
run: permission checks on its directories; a bounded read of a regular file owned by the
user (`reading`); its MAC (`signing`); the template check; `ast.literal_eval` of the data;
the data's run id and scenario type against the context's and the file name's. Nothing in
a file is ever imported or executed. Every problem with one file refuses that file only,
with the reason; the rest of the directory is still listed and executed.
`select_pending` holds each dead context it selects (`lock.ContextLock`) until the caller
releases the selection, so two executors never run the same entries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from undertow import errors
from undertow.rollback import reading, safety, signing, template
from undertow.rollback.entry import JournalEntry, newest_first
from undertow.rollback.lock import ContextBusy, ContextLock, RunRecord, holder, is_live, read_record
from undertow.rollback.naming import VersionName, parse_context, parse_version_file
from undertow.rollback.signing import JournalKey

_UNREADABLE = (OSError, UnicodeDecodeError, ValueError, SyntaxError, RecursionError, MemoryError)
"""What reading or parsing one odd file may raise; it refuses that file, never the command."""


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
        return self.undo if self.problem is None else f"refused: {self.problem}"


@dataclass
class RunInfo:
    """One rollback context (one run); `holder` says who holds it when it is live."""

    path: Path
    run_id: str
    started_ns: int
    live: bool
    record: RunRecord | None
    pending: list[ListedFile] = field(default_factory=list)
    executed: list[ListedFile] = field(default_factory=list)
    problem: str | None = None
    holder: str | None = None


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


def _read_signed(path: Path, key: JournalKey) -> bytes:
    """The signed bytes of a version file (MAC line removed), after the bounded read."""
    data = reading.read_regular(
        path, limit=reading.VERSION_FILE_LIMIT, check=safety.file_checker(path)
    )
    try:
        body = key.verify(signing.location(path), data)
    except errors.TamperedVersionFile as exc:
        raise errors.TamperedVersionFile(f"{path}: {exc}") from exc
    return body


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _signed_head(path: Path, key: JournalKey) -> str:
    """The head of a version file, after its MAC: read with the MAC line alone when the file
    carries today's code (`JournalKey.signed_head`), else read and verified whole."""
    head, end, size = reading.read_ends(
        path,
        start=signing.head_size,
        end=signing.MAC_LINE_BYTES,
        limit=reading.VERSION_FILE_LIMIT,
        check=safety.file_checker(path),
    )
    if key.signed_head(signing.location(path), head, end, size):
        return head.decode("utf-8")
    return template.head(_read_signed(path, key))


def _listed(path: Path, name: VersionName, run_id: str, key: JournalKey) -> ListedFile:
    try:
        header = template.read_header(_signed_head(path, key))
    except (*_UNREADABLE, errors.JournalError) as exc:
        return ListedFile(path, name, run_id, "", "", _why(exc))
    return ListedFile(path, name, run_id, header["Undo"], header["Object"])


def _run_info(
    context: Path,
    started: int,
    run_id: str,
    key: JournalKey,
    *,
    scenario_type: str | None,
    include_executed: bool,
) -> RunInfo:
    live = is_live(context)
    info = RunInfo(context, run_id, started, live, read_record(context))
    if live:
        info.holder = holder(context)
    _fill(info, key, scenario_type=scenario_type, include_executed=include_executed)
    return info


def _fill(
    info: RunInfo, key: JournalKey, *, scenario_type: str | None, include_executed: bool
) -> None:
    """List the context's version files into `info` (or record why it cannot be read)."""
    context = info.path
    try:
        files = sorted(_files(context), key=lambda f: f[1].sort_key, reverse=True)
    except OSError as exc:
        info.problem = f"cannot read the rollback context {context}: {exc}"
        return
    for path, name in files:
        if scenario_type is not None and name.scenario_type != scenario_type:
            continue
        if name.executed and not include_executed:
            continue
        listed = _listed(path, name, info.run_id, key)
        (info.executed if name.executed else info.pending).append(listed)


def list_runs(
    versions_dir: Path,
    *,
    run_id: str | None = None,
    scenario_type: str | None = None,
    include_executed: bool = False,
    key: JournalKey | None = None,
) -> list[RunInfo]:
    """Every run with version files matching the filters (or a problem), oldest run first.

    `key` verifies each file's MAC (default: `signing.load_key()`)."""
    key = key or signing.load_key()
    runs: list[RunInfo] = []
    for context, started, ctx_run in sorted(_contexts(versions_dir), key=lambda c: c[1]):
        if run_id is not None and ctx_run != run_id:
            continue
        info = _run_info(
            context,
            started,
            ctx_run,
            key,
            scenario_type=scenario_type,
            include_executed=include_executed,
        )
        if info.pending or info.executed or info.problem:
            runs.append(info)
    return runs


def stale_runs(versions_dir: Path, *, key: JournalKey | None = None) -> list[RunInfo]:
    """Runs whose process is gone but which left pending version files."""
    return [r for r in list_runs(versions_dir, key=key) if not r.live and r.pending]


def load_for_execution(path: Path, key: JournalKey | None = None) -> JournalEntry:
    """Read one version file for the executor, after every safety check.

    Raises errors.TamperedVersionFile (with the reason) for a file that is not a regular file
    owned by the current user and writable by no one else, sits in a group/world-writable
    directory, is larger than undertow writes, has no valid MAC, whose code is not exactly
    what this undertow writes, or whose data names another run or scenario type than its
    context and name.
    """
    name = parse_version_file(path.name)
    if name is None:
        raise errors.TamperedVersionFile(f"{path}: not a version-file name; refused")
    if name.executed:
        raise errors.JournalError(f"{path} was already executed; it is kept as history only")
    resolved = path.absolute()
    context = parse_context(resolved.parent.name)
    if context is None:
        raise errors.TamperedVersionFile(f"{path} is not inside a rollback context; refused")
    try:
        for directory in (resolved.parent, resolved.parent.parent):
            safety.check_dir(directory)
        text = _read_signed(resolved, key or signing.load_key()).decode("utf-8")
        try:
            data = template.parse(text)
        except errors.TamperedVersionFile as exc:
            raise errors.TamperedVersionFile(f"{path}: {exc}") from exc
    except _UNREADABLE as exc:
        raise errors.TamperedVersionFile(f"cannot read {path}: {_why(exc)}; refused") from exc
    recorded = (data.get("run_id"), data.get("scenario_type"))
    if recorded != (context[1], name.scenario_type):
        raise errors.TamperedVersionFile(
            f"{path}: its data names run {recorded[0]!r} and scenario type {recorded[1]!r}, "
            f"but it sits in run {context[1]!r} under a {name.scenario_type!r} name; refused"
        )
    return JournalEntry(resolved, name, context[1], data)


@dataclass
class Selection:
    """Pending entries chosen for execution, and what was refused or skipped and why.

    The contexts of the chosen entries stay held (one executor at a time) until `release()`
    or the end of a `with` block."""

    entries: list[JournalEntry] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)
    """(file or run directory, why): each reason names its file or directory itself."""
    live_runs: list[RunInfo] = field(default_factory=list)
    locks: list[ContextLock] = field(default_factory=list)

    def release(self) -> None:
        for lock in self.locks:
            lock.release()
        self.locks = []

    def __enter__(self) -> Selection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def select_pending(
    versions_dir: Path,
    *,
    run_id: str | None = None,
    scenario_type: str | None = None,
    key: JournalKey | None = None,
) -> Selection:
    """Pending entries of dead runs matching the filters, their contexts held; live runs
    and contexts another executor holds are left to themselves (in `live_runs`)."""
    key = key or signing.load_key()
    selection = Selection()
    try:
        for run in list_runs(versions_dir, run_id=run_id, scenario_type=scenario_type, key=key):
            _select_run(selection, run, key, scenario_type)
    except BaseException:
        selection.release()
        raise
    selection.entries = newest_first(selection.entries)
    return selection


def _select_run(
    selection: Selection, run: RunInfo, key: JournalKey, scenario_type: str | None
) -> None:
    if run.problem:
        selection.refused.append((run.path, run.problem))
    if run.live or not run.pending:
        if run.live:
            selection.live_runs.append(run)
        return
    try:
        lock = ContextLock(run.path)
    except ContextBusy:
        run.live, run.holder = True, holder(run.path)
        selection.live_runs.append(run)
        return
    # Listed before the lock was taken: list the names again, another executor may have
    # finished some (each file is read and checked once more by load_for_execution).
    try:
        pending = [
            path
            for path, name in _files(run.path)
            if not name.executed and scenario_type in (None, name.scenario_type)
        ]
    except OSError as exc:
        pending = []
        selection.refused.append((run.path, f"cannot read the rollback context {run.path}: {exc}"))
    chosen = 0
    for path in pending:
        try:
            selection.entries.append(load_for_execution(path, key))
            chosen += 1
        except (errors.JournalError, *_UNREADABLE) as exc:
            selection.refused.append((path, _why(exc)))
    if chosen:
        selection.locks.append(lock)
    else:
        lock.release()
