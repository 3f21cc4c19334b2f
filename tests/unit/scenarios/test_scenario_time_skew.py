"""time_scenarios without a cluster: the pod path is refused by preflight (a pod has no clock
of its own), nodes sharing a clock are refused, Krkn's targets become offsets, and the clock
script (run here with a stand-in `date`) moves the clock by the offset and back exactly once,
whether it ends by itself, by SIGTERM, or by the undo's `restore`."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from undertow.config.helper_pods import HelperPods
from undertow.scenarios.time_skew import TimeScenariosSpec, TimeSkew
from undertow.scenarios.time_skew.plugin import (
    POD_REFUSAL,
    clock_command,
    clock_pod,
    offset_for,
    plugin,
    shared_clock,
)
from undertow.undo.files import CLOCK_SCRIPT

GOLDEN = Path(__file__).parents[2] / "data" / "time_skew"
NOW = datetime.datetime(2026, 11, 26, 18, 30, 0, tzinfo=datetime.UTC)


def test_the_pod_path_is_refused_before_any_cluster_contact() -> None:
    spec = TimeScenariosSpec.model_validate(
        {
            "time_scenarios": [
                {"action": "skew_time", "object_type": "node", "object_name": ["w-0"]},
                {"action": "skew_date", "object_type": "pod", "label_selector": "app=web"},
            ]
        }
    )
    [problem] = plugin.preflight(spec)
    assert problem.loc == ("time_scenarios", 1, "object_type")
    assert problem.message == POD_REFUSAL
    assert "CLOCK_REALTIME" in POD_REFUSAL


def test_nodes_that_share_a_clock_are_refused_saying_why() -> None:
    real = {"metadata": {"name": "real-node-0", "labels": {"undertow.io/real-node": "true"}}}
    kwok = {"metadata": {"name": "k-0", "annotations": {"kwok.x-k8s.io/node": "fake"}}}
    cloud = {"metadata": {"name": "ip-10-0-0-1", "labels": {"kubernetes.io/os": "linux"}}}
    assert "its clock is the machine's" in shared_clock(real)
    assert "kwok node" in shared_clock(kwok)
    assert shared_clock(cloud) == ""


def test_krkn_targets_become_offsets_from_now() -> None:
    assert offset_for("skew_time", NOW) == -(17 * 3600 + 28 * 60 + 59)
    expected = datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC) - NOW
    assert offset_for("skew_date", NOW) == round(expected.total_seconds())


def test_the_helper_command_matches_the_golden_file() -> None:
    command = clock_command(-63179, 30)
    assert command[:2] == ["sh", "-c"]
    assert command[2] == (GOLDEN / "clock_script.sh").read_text().rstrip("\n")
    assert command[3:] == ["clock", "-63179", "30", "/tmp/undertow-clock-moved"]


def test_the_helper_pod_matches_the_golden_file() -> None:
    """Privileged, pinned to the node, holding the clock duration + 30 s on its own, ended by
    the kubelet 30 s later at most."""
    skew = TimeSkew.model_validate(
        {"action": "skew_date", "object_type": "node", "object_name": ["worker-0"], "duration": 20}
    )
    helpers = HelperPods(images={"busybox": "undertow.local/busybox:local"})
    pod = clock_pod("undertow-time-skew-0a1b2c3d", "worker-0", -817038000, skew, helpers)
    assert pod == json.loads((GOLDEN / "clock_pod.json").read_text())


@pytest.fixture
def fake_date(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `date` that logs `-s` calls and reports a fixed epoch, first on PATH."""
    bin_dir, log = tmp_path / "bin", tmp_path / "date.log"
    bin_dir.mkdir()
    script = bin_dir / "date"
    script.write_text(f'#!/bin/sh\nif [ "$1" = -s ]; then echo "$2" >> {log}; else echo 1000; fi\n')
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, log


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", CLOCK_SCRIPT, "clock", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_clock_moves_and_comes_back_by_itself(
    fake_date: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, log = fake_date
    mark = tmp_path / "mark"
    done = _run(env, "-600", "0", str(mark))
    assert done.returncode == 0, done.stderr
    assert log.read_text().split() == ["@400", "@1600"]
    assert not mark.exists()
    assert _run(env, "-600", "restore", str(mark)).stdout == ""  # already back: nothing
    assert log.read_text().split() == ["@400", "@1600"]


def test_sigterm_and_the_undo_move_it_back_once(
    fake_date: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, log = fake_date
    mark = tmp_path / "mark"
    proc = subprocess.Popen(["sh", "-c", CLOCK_SCRIPT, "clock", "300", "60", str(mark)], env=env)
    deadline = time.monotonic() + 30
    while not (log.exists() and log.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    restored = _run(env, "300", "restore", str(mark))
    assert restored.stdout == "clock moved back by 300 s\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert log.read_text().split() == ["@1300", "@700"]  # moved once, back once
