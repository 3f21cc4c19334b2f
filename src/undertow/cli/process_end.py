"""Ending the `undertow` process without tearing the interpreter down.

After a run, a normal interpreter exit deallocates every module and object one by one
(600 modules, the config models' validators, the API client): 0.1-0.2 s of CPU, and on a
busy machine up to a second of wall time, after the run's work is all done. `end_process`
does what that exit does that anyone can observe, then ends the process: the `atexit`
handlers run (the log handlers are flushed and closed, `weakref.finalize` callbacks and
the client libraries' clean-ups run), stdout and stderr are flushed, and the exit status
is the one `sys.exit` would give. While a non-daemon thread is still running, it exits
the normal way, which waits for that thread.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_status(code: object) -> int:
    """The status `sys.exit(code)` ends a process with (a message is printed, then 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(f"{code}\n")
    return 1


def end_process(code: object) -> NoReturn:
    """Exit with `code` as `sys.exit(code)` would, without the interpreter's teardown."""
    main = threading.main_thread()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not main):
        raise SystemExit(code)
    status = exit_status(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: Python's own exit says 120
            status = status or 120
    os._exit(status)
