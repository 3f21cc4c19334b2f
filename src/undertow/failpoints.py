"""Failpoints: named steps of the journal protocol where undertow can be made to die.

    UNDERTOW_FAILPOINTS=journal.after_publish undertow run -c config.yaml

The first time the process reaches an armed failpoint it SIGKILLs itself: nothing in it can
react, exactly like a crash or `kill -9` at that step. The crash matrix
(tests/integration/rollback/test_crash_matrix.py) arms each of `names()` in turn and proves
that `undertow rollback execute` then restores the cluster; docs/reliability.md is its table.

The variable is read once, at import. Unset (the normal case), a failpoint costs one lookup
in an empty frozenset.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping
from types import MappingProxyType

ENV_VAR = "UNDERTOW_FAILPOINTS"

FAILPOINTS: Mapping[str, str] = MappingProxyType(
    {
        "journal.before_write": "a change is about to be journaled: no version file yet, "
        "the cluster untouched",
        "journal.temp_written": "the version file's temp copy is written and synced, "
        "not yet published under its name",
        "journal.after_publish": "the version file is published (directory synced), "
        "the API call not yet made",
        "client.after_api_call": "the API server made the change; the journal not yet updated "
        "(a created object's uid not yet written into its version file)",
        "executor.before_undo": "rolling back: an entry's undo is about to call the API",
        "executor.after_undo": "rolling back: the entry's undo is done and verified, its file "
        "not yet resolved (renamed `.executed`, or removed by a scenario's clean-up)",
    }
)
"""Every failpoint, in the order a change meets them, with the state it leaves behind."""


def names() -> list[str]:
    """The failpoints, in protocol order."""
    return list(FAILPOINTS)


def _armed(value: str) -> frozenset[str]:
    armed = frozenset(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(armed - FAILPOINTS.keys())
    if unknown:
        print(
            f"undertow: {ENV_VAR} names unknown failpoints {', '.join(unknown)}; "
            f"known: {', '.join(FAILPOINTS)}",
            file=sys.stderr,
        )
    return armed


_ARMED = _armed(os.environ.get(ENV_VAR, ""))


def failpoint(name: str) -> None:
    """Die here, by SIGKILL, if `name` is armed in UNDERTOW_FAILPOINTS."""
    if name in _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
