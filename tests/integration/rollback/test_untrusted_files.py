"""`undertow rollback` against the cluster with hostile files in the versions dir: an edited
UNDO literal deletes nothing, and a FIFO blocks neither `list` nor `execute`."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from clitools import undertow
from objects import config_map, exists

from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback import JournaledClient
from undertow.rollback.journal import Journal


def _dead_run_that_created(api: KubeApi, versions: Path, namespace: str, name: str) -> Path:
    journal = Journal.open(versions, str(uuid.uuid4()))
    JournaledClient(api, journal, "test_scenarios").create(config_map(name, namespace))
    journal._lock.release()  # the run dies without cleaning up
    [file] = [p for p in journal.context.iterdir() if p.suffix == ".py"]
    return file


def test_an_edited_undo_literal_deletes_nothing(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path
) -> None:
    versions = tmp_path / "v"
    file = _dead_run_that_created(api, versions, namespace, "ours")
    theirs = mutate.create(api, config_map("theirs", namespace))
    ours = api.get(ObjectRef("v1", "ConfigMap", "ours", namespace))
    text = file.read_text()
    edited = text.replace("'ours'", "'theirs'").replace(
        ours["metadata"]["uid"], theirs["metadata"]["uid"]
    )
    assert edited != text
    file.write_text(edited)

    result = undertow(
        "rollback", "execute", "--versions-dir", str(versions), "--kubeconfig", kubeconfig, "--yes"
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "untrusted: its MAC does not match" in result.stderr
    assert "run it by hand" not in result.stderr
    assert exists(api, ObjectRef("v1", "ConfigMap", "theirs", namespace))
    assert file.exists() and not file.with_name(file.name + ".executed").exists()


def test_a_fifo_blocks_neither_list_nor_execute(
    api: KubeApi, kubeconfig: str, namespace: str, tmp_path: Path
) -> None:
    versions = tmp_path / "v"
    file = _dead_run_that_created(api, versions, namespace, "made")
    fifo = file.with_name("test_scenarios_1_fifofifo.py")
    os.mkfifo(fifo, 0o600)
    (file.parent / "run.json").unlink()
    os.mkfifo(file.parent / "run.json", 0o600)

    listed = undertow("rollback", "list", "--versions-dir", str(versions), "--json", timeout=60)
    assert listed.returncode == 0, listed.stderr
    [run] = json.loads(listed.stdout)
    problems = {Path(f["file"]).name: f["problem"] for f in run["pending"]}
    assert "not a regular" in (problems[fifo.name] or ""), problems
    assert problems[file.name] is None, problems

    result = undertow(
        "rollback",
        "execute",
        "--versions-dir",
        str(versions),
        "--kubeconfig",
        kubeconfig,
        "--yes",
        timeout=60,
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "1 restored" in result.stdout
    assert "not a regular file" in result.stderr
    assert not exists(api, ObjectRef("v1", "ConfigMap", "made", namespace))
    assert file.with_name(file.name + ".executed").exists()
