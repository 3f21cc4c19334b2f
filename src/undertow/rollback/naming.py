"""Names on disk, exactly as the seed fixed them.

    <versions dir>/<timestamp_ns>-<run_id>/<scenario_type>_<timestamp_ns>_<8 a-z>.py[.executed]

Names are generated per entry (never once at import), so concurrent records never collide.
Names read from disk are matched whole (`re.fullmatch`: `$` would accept a trailing newline).
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass

from undertow import errors

EXECUTED_SUFFIX = ".executed"
LOCK_FILE = "run.lock"
RUN_RECORD = "run.json"
TEMP_PREFIX = ".tmp-"

_SCENARIO_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_CONTEXT = re.compile(r"(?P<ts>[0-9]+)-(?P<run_id>[A-Za-z0-9][A-Za-z0-9._-]*)")
_VERSION_FILE = re.compile(
    r"(?P<scenario>[A-Za-z0-9][A-Za-z0-9_-]*?)_(?P<ts>[0-9]+)_(?P<suffix>[a-z]{8})\.py"
    r"(?P<executed>\.executed)?"
)


@dataclass(frozen=True)
class VersionName:
    """The parts of a version-file name."""

    scenario_type: str
    timestamp_ns: int
    suffix: str
    executed: bool

    @property
    def filename(self) -> str:
        name = f"{self.scenario_type}_{self.timestamp_ns}_{self.suffix}.py"
        return name + EXECUTED_SUFFIX if self.executed else name

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.timestamp_ns, self.suffix)


def random_suffix() -> str:
    """Eight random lowercase letters, from the OS's CSPRNG."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def check_scenario_type(scenario_type: str) -> str:
    if not _SCENARIO_TYPE.fullmatch(scenario_type):
        raise errors.JournalError(
            f"scenario type {scenario_type!r} cannot name a version file "
            "(letters, digits, '_' and '-' only)"
        )
    return scenario_type


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.fullmatch(run_id):
        raise errors.JournalError(
            f"run id {run_id!r} cannot name a rollback context (letters, digits, '.', '_', '-')"
        )
    return run_id


def context_name(timestamp_ns: int, run_id: str) -> str:
    return f"{timestamp_ns}-{check_run_id(run_id)}"


def parse_context(name: str) -> tuple[int, str] | None:
    """(timestamp_ns, run_id) of a rollback-context directory name, or None."""
    match = _CONTEXT.fullmatch(name)
    return (int(match["ts"]), match["run_id"]) if match else None


def parse_version_file(name: str) -> VersionName | None:
    """The parts of a version-file name, or None if `name` is not one."""
    match = _VERSION_FILE.fullmatch(name)
    if not match:
        return None
    return VersionName(
        scenario_type=match["scenario"],
        timestamp_ns=int(match["ts"]),
        suffix=match["suffix"],
        executed=bool(match["executed"]),
    )
