"""`Journal`: one run's rollback context, and the write-ahead record of each change.

    journal = Journal.open(versions_dir, run_id)     # fail closed: raises before any cluster call
    entry = journal.record("hog_scenarios", data)     # durable on disk before the change is made
    ...make the change...
    journal.remove(entry)                             # resolved normally
    journal.mark_executed(entry)                      # resolved by a rollback
    journal.close()

With a cluster copy attached (`attach_copy`), `record` also writes the entry's undo data
into the cluster before returning, and a failure of either write removes the other and
raises: the change is not made. Resolving an entry resolves its copy too.

Thread-safe: entries recorded from many threads get distinct, strictly increasing
timestamps and random suffixes, and are published with a no-clobber link.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from undertow import errors
from undertow.failpoints import failpoint
from undertow.rollback import durable, signing, template
from undertow.rollback.cluster_copy import ENTRY_ANNOTATION, ClusterCopy
from undertow.rollback.entry import JournalEntry, is_record_only
from undertow.rollback.lock import RunLock
from undertow.rollback.naming import (
    LOCK_FILE,
    RUN_RECORD,
    VersionName,
    check_run_id,
    check_scenario_type,
    context_name,
    parse_version_file,
    random_suffix,
)
from undertow.rollback.signing import JournalKey
from undertow.undo.outcome import FORMAT
from undertow.undo.records import UndoRecord

_NAME_ATTEMPTS = 5


class Journal:
    """The rollback context of one live run. Create it with `Journal.open`."""

    def __init__(
        self,
        context: Path,
        run_id: str,
        lock: RunLock,
        clock_ns: Callable[[], int],
        key: JournalKey,
    ):
        self.context = context
        self.run_id = run_id
        self._lock = lock
        self._key = key
        self._clock_ns = clock_ns
        self._guard = threading.Lock()
        self._last_ns = 0
        self._closed = False
        self._copy: ClusterCopy | None = None

    @classmethod
    def open(
        cls,
        versions_dir: Path,
        run_id: str,
        *,
        clock_ns: Callable[[], int] = time.time_ns,
        key: JournalKey | None = None,
    ) -> Journal:
        """Create the run's context `<timestamp_ns>-<run_id>` (0700) and take its live lock.

        `key` signs the version files (default: `signing.load_key()`). Raises
        errors.JournalError if the versions dir or the key cannot be used: callers must open
        the journal before touching the cluster, so an unusable journal means no change at all.
        """
        check_run_id(run_id)
        key = key or signing.load_key()
        durable.ensure_private_dir(versions_dir)
        context = versions_dir / context_name(clock_ns(), run_id)
        try:
            context.mkdir(mode=durable.DIR_MODE)
            durable.fsync_dir(versions_dir)
        except OSError as exc:
            raise errors.JournalError(
                f"cannot create the rollback context {context}: {exc}; nothing was changed"
            ) from exc
        return cls(context, run_id, RunLock(context, run_id), clock_ns, key)

    @property
    def key(self) -> JournalKey:
        """The key this run signs its version files with."""
        return self._key

    def attach_copy(self, copy: ClusterCopy) -> None:
        """Mirror every entry recorded from now on into `copy` (before its change)."""
        self._copy = copy

    @property
    def copy(self) -> ClusterCopy | None:
        return self._copy

    def entry_annotation(self, name: VersionName) -> dict[str, str]:
        """The annotation naming entry `name` in the cluster copy (nothing without a copy)."""
        if self._copy is None:
            return {}
        return {ENTRY_ANNOTATION: self._copy.entry_reference(name)}

    def reserve(self, scenario_type: str) -> VersionName:
        """A fresh version-file name, for a caller that must name the entry before recording
        it (the annotation on a patched object)."""
        check_scenario_type(scenario_type)
        return VersionName(scenario_type, self._next_timestamp(), random_suffix(), executed=False)

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _next_timestamp(self) -> int:
        with self._guard:
            self._last_ns = max(self._clock_ns(), self._last_ns + 1)
            return self._last_ns

    def record(
        self, scenario_type: str, data: UndoRecord, *, name: VersionName | None = None
    ) -> JournalEntry:
        """Durably write a version file for one change, before that change is made.

        `data` is the undo record (see `undertow.undo.records`); `format`, `run_id`,
        `scenario_type` and `recorded_at` are filled in here; `name` is one `reserve` gave.
        Raises errors.JournalError if the file (or its cluster copy) cannot be written: the
        caller must then not make the change.
        """
        if self._closed:
            raise errors.JournalError(f"the journal of run {self.run_id} is closed")
        check_scenario_type(scenario_type)
        for _ in range(_NAME_ATTEMPTS):
            if name is None or name.scenario_type != scenario_type:
                name = self.reserve(scenario_type)
            timestamp = name.timestamp_ns
            full = {
                "format": FORMAT,
                "run_id": self.run_id,
                "scenario_type": scenario_type,
                "recorded_at": _iso(timestamp),
                **self._copy_location(data),
                **data,
            }
            where = f"{self.context.name}/{name.filename}"
            content = self._key.signed_file(where, template.render_head(full))
            failpoint("journal.before_write")
            try:
                path = durable.publish_new(
                    self.context, name.filename, content, temp_written=_temp_written
                )
            except FileExistsError:
                name = None
                continue
            except OSError as exc:
                raise errors.JournalError(
                    f"cannot write a version file in {self.context}: {exc}; the change was not made"
                ) from exc
            failpoint("journal.after_publish")
            self._store_copy(path, name, full)
            return JournalEntry(path, name, self.run_id, full)
        raise errors.JournalError(f"could not find a free version-file name in {self.context}")

    def _copy_location(self, data: Mapping[str, Any]) -> dict[str, str]:
        """`cluster_copy: <namespace>/<copy>` on an entry that is copied: a local `rollback
        execute` of it marks it executed there too."""
        if self._copy is None or is_record_only(data):
            return {}
        return {"cluster_copy": f"{self._copy.namespace}/{self._copy.name}"}

    def _store_copy(self, path: Path, name: VersionName, full: Mapping[str, Any]) -> None:
        """Write the cluster copy; if that fails, take the version file back and raise.
        A record-only entry (a pod killed, a container signalled) has nothing to undo, so it
        is not copied: a mass pod kill costs no extra call and no space in the copy."""
        if self._copy is None or is_record_only(full):
            return
        try:
            self._copy.store(name, full)
        except errors.JournalError:
            durable.remove(path)
            raise

    def rewrite(self, entry: JournalEntry, data: Mapping[str, Any]) -> JournalEntry:
        """Durably replace an entry's undo data (e.g. once the created object's uid is known),
        in its cluster copy too (there only with a warning if that fails)."""
        full = {**entry.data, **data}
        try:
            where = signing.location(entry.path)
            durable.publish_replace(
                entry.path, self._key.signed_file(where, template.render_head(full))
            )
        except OSError as exc:
            raise errors.JournalError(f"cannot update {entry.path}: {exc}") from exc
        if self._copy is not None and not is_record_only(full):
            self._copy.update(entry.name, full)
        return JournalEntry(entry.path, entry.name, entry.run_id, full)

    def remove(self, entry: JournalEntry) -> None:
        """The change is resolved (undone by the scenario, or needs no undo): drop the file."""
        durable.remove(entry.path)
        if self._copy is not None:
            self._copy.resolve(entry.name, executed=False)

    def mark_executed(self, entry: JournalEntry) -> Path:
        """The change was rolled back: keep the file as history with `.executed`."""
        final = durable.mark_executed(entry.path)
        if self._copy is not None:
            self._copy.resolve(entry.name, executed=True)
        return final

    def resolver(self, resolve: str) -> Callable[[JournalEntry], Path | None]:
        """What the executor calls on an entry undone: `mark_executed` or `remove`."""
        if resolve == "executed":
            return self.mark_executed

        def remove(entry: JournalEntry) -> Path | None:
            self.remove(entry)
            return None

        return remove

    def close(self) -> None:
        """Release the live lock; delete the context if no version file is left in it."""
        if self._closed:
            return
        self._closed = True
        if self._copy is not None:
            self._copy.close()
        if not any(parse_version_file(p.name) for p in self.context.iterdir()):
            for leftover in (LOCK_FILE, RUN_RECORD):
                durable.remove(self.context / leftover)
            self._lock.release()
            with contextlib.suppress(OSError):  # something else appeared in it: keep it
                self.context.rmdir()
            return
        self._lock.release()


def _temp_written() -> None:
    failpoint("journal.temp_written")


def _iso(timestamp_ns: int) -> str:
    moment = datetime.datetime.fromtimestamp(timestamp_ns / 1e9, tz=datetime.UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
