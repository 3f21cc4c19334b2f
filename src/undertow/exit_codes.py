"""undertow's exit codes: the one table, and the one mapping from outcomes and errors to it.

    0      everything passed (run), or everything selected was restored (rollback)
    1      a scenario or its recovery check failed, or its selection was refused (beyond
           max_targets, in a protected namespace); what it changed was restored; a dry
           run whose plan would fail or be refused
    2      bad input or environment, found before anything changed: a config or scenario
           file, a flag, a kubeconfig or context, an API server that cannot be reached,
           a versions directory that cannot be used; or a scenario file naming what its
           targets do not have (an interface), found by a look before any fault, after
           rolling back what the look created
    3      a rollback could not restore everything (a conflict, a failed undo, an entry
           skipped by an aborted rollback, a refused version file); those files stay pending
    128+N  interrupted by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP), after rolling back

When several apply, the most serious wins: 3, then an interruption, then 2, then 1. The CLI may
translate the result into Krkn's scheme (`undertow.cli.exit_codes`), where a run that failed
says why: 1 a scenario, 2 alerts, 3 a health check (`krkn_failure`).
"""

from __future__ import annotations

from undertow import errors

OK = 0
FAILED = 1
BAD_INPUT = 2
ROLLBACK_INCOMPLETE = 3

_BAD_INPUT_ERRORS = (
    errors.ConfigError,
    errors.ClusterUnreachable,
    errors.VersionsDirUnusable,
    errors.ScenarioInputError,
)
"""Found before anything changed, and fixed by the user: the message says how."""
_ROLLBACK_ERRORS = (errors.JournalError, errors.UndoFailed)


def interrupted(signum: int) -> int:
    """The shell's convention: 128 + the signal number."""
    return 128 + signum


def for_error(exc: errors.UndertowError) -> int:
    """The code of a command that ended with this error."""
    if isinstance(exc, _BAD_INPUT_ERRORS):
        return BAD_INPUT
    if isinstance(exc, _ROLLBACK_ERRORS):
        return ROLLBACK_INCOMPLETE
    return FAILED


def for_run(
    *, rollback_complete: bool, signal: int | None, failed: bool, bad_input: bool = False
) -> int:
    """The code of a run that got as far as the cluster. `rollback_complete` is false when
    anything is left pending, dead runs' entries held at the start included; `bad_input`:
    a scenario ended with `errors.ScenarioInputError`."""
    if not rollback_complete:
        return ROLLBACK_INCOMPLETE
    if signal is not None:
        return interrupted(signal)
    if bad_input:
        return BAD_INPUT
    return FAILED if failed else OK


KRKN_SCENARIO_FAILED = 1
KRKN_ALERTS = 2
KRKN_HEALTH_CHECK = 3


def krkn_failure(*, scenario_failed: bool, alerts_failed: bool, health_failed: bool) -> int:
    """Krkn's code for a run undertow ends with 1 (`--exit-codes krkn`), in the order of
    Krkn's run_kraken.py: a failed scenario 1, else error/critical alerts 2, else an
    `exit_on_failure` health check 3; anything else (Cerberus, exit_on_failure) 1."""
    if scenario_failed:
        return KRKN_SCENARIO_FAILED
    if alerts_failed:
        return KRKN_ALERTS
    if health_failed:
        return KRKN_HEALTH_CHECK
    return KRKN_SCENARIO_FAILED


def for_rollback(*, complete: bool) -> int:
    """The code of `rollback execute` / `sweep`: 3 unless everything selected was restored."""
    return OK if complete else ROLLBACK_INCOMPLETE
