"""`undertow <args>` under cProfile, its stats written to the file named first:

    python benchmarks/profiled_undertow.py OUT run -c config.yaml ...

As a console script undertow ends its process without the interpreter's teardown
(`undertow.cli.process_end`), so `python -m cProfile -m undertow` never gets to write its
stats; `undertow.cli.app.main` called with the arguments raises SystemExit instead, and the
stats are written here before the process exits with undertow's exit code.
"""

from __future__ import annotations

import cProfile
import sys

from undertow.cli.app import main


def profiled(out: str, argv: list[str]) -> object:
    profiler = cProfile.Profile()
    try:
        profiler.runcall(main, argv)
    except SystemExit as done:
        return done.code
    finally:
        profiler.dump_stats(out)
    return 0


if __name__ == "__main__":
    sys.exit(profiled(sys.argv[1], sys.argv[2:]))
