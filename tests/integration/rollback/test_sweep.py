"""`undertow rollback sweep` removes leftovers even when the journal is gone."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from clitools import undertow
from objects import config_map, undertow_objects

from undertow.kube import KubeApi
from undertow.rollback import JournaledClient
from undertow.rollback.journal import Journal


def test_sweep_removes_labelled_leftovers_of_dead_runs_only(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path
) -> None:
    versions = tmp_path / "v"
    dead = Journal.open(versions, str(uuid.uuid4()))
    JournaledClient(api, dead, "test_scenarios").create(config_map("dead-leftover", namespace))
    dead._lock.release()
    shutil.rmtree(dead.context)  # the journal itself is lost
    live = Journal.open(versions, str(uuid.uuid4()))
    try:
        JournaledClient(api, live, "test_scenarios").create(config_map("live-one", namespace))
        dry = undertow(
            "rollback",
            "sweep",
            "--versions-dir",
            str(versions),
            "--kubeconfig",
            kubeconfig,
            "--dry-run",
            "--older-than",
            "0",
        )
        assert dry.returncode == 0 and "would restore" in dry.stdout
        assert len(undertow_objects(api, namespace)) == 2

        fresh = undertow(
            "rollback", "sweep", "--versions-dir", str(versions), "--kubeconfig", kubeconfig
        )
        assert fresh.returncode == 0
        assert len(undertow_objects(api, namespace)) == 2  # unknown run, younger than an hour

        swept = undertow(
            "rollback",
            "sweep",
            "--versions-dir",
            str(versions),
            "--kubeconfig",
            kubeconfig,
            "--older-than",
            "0",
        )
        assert swept.returncode == 0, swept.stdout + swept.stderr
        assert undertow_objects(api, namespace) == [f"ConfigMap {namespace}/live-one"]
    finally:
        live.close()
