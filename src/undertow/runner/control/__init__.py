"""Run control: the run's state (RUN, PAUSE, STOP), the HTTP endpoint that shows and sets
it, and the file in the run's state directory that tells `undertow ctl` where it listens.

PAUSE holds the loop before the next scenario; STOP cancels the run as SIGTERM does (the
scenario in progress ends, its changes are rolled back, the exit code is 143).
"""

from undertow.runner.control.server import ControlServer, ControlUnavailable
from undertow.runner.control.state import RunSignal, RunState
from undertow.runner.control.state_file import (
    ControlAddress,
    find_control,
    remove_control,
    write_control,
)

__all__ = [
    "ControlAddress",
    "ControlServer",
    "ControlUnavailable",
    "RunSignal",
    "RunState",
    "find_control",
    "remove_control",
    "write_control",
]
