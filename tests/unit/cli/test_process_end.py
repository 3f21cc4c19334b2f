"""The `undertow` process ends without the interpreter's teardown, and with everything a
normal exit does that can be observed: atexit handlers, flushed output, the exit status."""

from __future__ import annotations

import subprocess
import sys

import pytest

from undertow.cli.process_end import exit_status


def _undertow(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """`undertow ARGS` as the process's entry point (main() without argv)."""
    code = (
        "import atexit, sys, threading, time\n"
        "atexit.register(lambda: print('atexit ran', flush=True))\n"
        f"{before}\n"
        f"sys.argv = ['undertow', *{list(args)!r}]\n"
        "from undertow.cli.app import main\nmain()\n"
        "print('not reached')\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_bad_input_exits_2_with_its_message_and_atexit_handlers_run() -> None:
    done = _undertow("validate", "-c", "/nonexistent/config.yaml")
    assert done.returncode == 2
    assert "/nonexistent/config.yaml" in done.stderr
    assert done.stdout.splitlines() == ["atexit ran"]


def test_output_is_flushed_before_the_process_ends() -> None:
    done = _undertow("version")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].startswith("undertow: ") and lines[-1] == "atexit ran"


def test_a_running_non_daemon_thread_is_waited_for() -> None:
    thread = "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done'))).start()"
    done = _undertow("version", before=thread)
    assert done.returncode == 0
    assert "thread done" in done.stdout.splitlines()


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (3, 3), (256, 0), ("bye", 1)])
def test_the_status_is_the_one_sys_exit_gives(code: object, status: int) -> None:
    assert exit_status(code) == status
