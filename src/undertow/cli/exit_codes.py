"""The exit code scheme: undertow's own (`undertow.exit_codes`, docs/config.md), or Krkn's
with `--exit-codes krkn` (a failed run then says why: 1 a scenario, 2 alerts, 3 a health
check, as Krkn's run_kraken.py).

`main` maps every exit through the scheme the command chose; only `run` chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from undertow import exit_codes


class ExitScheme(StrEnum):
    undertow = "undertow"
    krkn = "krkn"


KRKN_CODES = {exit_codes.BAD_INPUT: 255, exit_codes.ROLLBACK_INCOMPLETE: exit_codes.FAILED}
"""undertow → Krkn: bad input is Krkn's -1 (255); a rollback that could not restore
everything is a failed scenario (1). 0, 1 and the signal codes are the same."""


@dataclass
class ExitCodes:
    scheme: ExitScheme = ExitScheme.undertow
    krkn_failure: int = exit_codes.FAILED
    """Krkn's code for a failed run, set by `run` (`RunOutcome.krkn_failure`): 1, 2 or 3."""

    def __call__(self, code: int) -> int:
        if self.scheme is not ExitScheme.krkn:
            return code
        if code == exit_codes.FAILED:
            return self.krkn_failure
        return KRKN_CODES.get(code, code)
