"""`undertow-run-kraken` (or `python -m undertow.run_kraken`): Krkn's `run_kraken.py`
command line, for scripts that call `python run_kraken.py -c … -o … --junit-testcase …`.

The flags are translated to `undertow run … --exit-codes krkn` (or to `list-rollback` /
`execute-rollback` when the command is given), with Krkn's defaults: `-c` is
`config/config.yaml`, the log goes to `-o` (`kraken.report`), and `-d/--debug` takes a
value (`-d True`; `false`, `0`, `no` and `off` leave it off). One undertow flag is added:
`--skip-unsupported` (run the rest of a config that lists types undertow does not implement).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

ROLLBACK_COMMANDS = ("list-rollback", "execute-rollback")
OFF = frozenset({"", "false", "0", "no", "off"})


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="undertow-run-kraken",
        description="Krkn's run_kraken.py command line, run by undertow (Krkn's exit codes).",
    )
    p.add_argument("-c", "--config", dest="cfg", default="config/config.yaml")
    p.add_argument("-o", "--output", default="kraken.report")
    p.add_argument("--junit-testcase")
    p.add_argument("--junit-testcase-path")
    p.add_argument("--junit-testcase-version")
    p.add_argument("-r", "--run_uuid")
    p.add_argument("-s", "--scenario_type")
    p.add_argument("-d", "--debug", default="")
    p.add_argument(
        "--skip-unsupported",
        action="store_true",
        help="undertow: skip (and name) the files of types undertow does not implement",
    )
    p.add_argument("command", nargs="?", choices=ROLLBACK_COMMANDS)
    return p


def translate(argv: Sequence[str]) -> list[str]:
    """The `undertow` arguments that do what `run_kraken.py ARGV` asks."""
    args = parser().parse_args(list(argv))
    if args.command:
        selected = [("-r", args.run_uuid), ("-s", args.scenario_type), ("-c", args.cfg)]
        return [
            args.command,
            *(part for flag, value in selected if value for part in (flag, value)),
        ]
    out = ["run", "-c", args.cfg, "--exit-codes", "krkn", "-o", args.output]
    for flag, value in (
        ("--junit-testcase", args.junit_testcase),
        ("--junit-testcase-path", args.junit_testcase_path),
        ("--junit-testcase-version", args.junit_testcase_version),
        ("--run-id", args.run_uuid),
    ):
        if value is not None:
            out += [flag, value]
    if args.debug.strip().lower() not in OFF:
        out.append("--debug")
    if args.skip_unsupported:
        out.append("--skip-unsupported")
    if args.scenario_type:
        sys.stderr.write("ignored: -s/--scenario_type only filters the rollback commands\n")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    from undertow.cli.app import main as undertow

    undertow(translate(sys.argv[1:] if argv is None else argv))
