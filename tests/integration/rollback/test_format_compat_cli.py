"""A version file written by an earlier undertow (tests/data/rollback, kept byte for byte)
is still executed by `undertow rollback execute` against the cluster."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clitools import undertow
from objects import config_map, exists

from undertow.kube import KubeApi, ObjectRef, mutate

OLD = Path(__file__).parents[2] / "data" / "rollback"
OLD_CONFIGMAP = OLD / "application_outages_scenarios_1755488221668750000_legacycm.py"
# The namespace, name and labels the old file records.
NAMESPACE = "undertow-compat-format1"
LABELS = {
    "undertow.io/run-id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "undertow.io/entry": "legacyentry",
}


@pytest.fixture
def recorded_namespace(api_client: Any) -> Iterator[str]:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": NAMESPACE, "labels": {"undertow.io/test": "true"}}})
    try:
        yield NAMESPACE
    finally:
        core.delete_namespace(NAMESPACE)


def test_an_old_version_file_is_executed(
    api: KubeApi, kubeconfig: str, recorded_namespace: str, tmp_path: Path
) -> None:
    manifest = config_map("legacy", recorded_namespace)
    manifest["metadata"]["labels"] = LABELS
    mutate.create(api, manifest)
    context = tmp_path / "v" / "1755488221000000000-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    context.mkdir(mode=0o700, parents=True)
    (tmp_path / "v").chmod(0o700)
    file = context / OLD_CONFIGMAP.name
    shutil.copyfile(OLD_CONFIGMAP, file)
    file.chmod(0o600)

    result = undertow("rollback", "execute", "--file", str(file), "--kubeconfig", kubeconfig)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 restored" in result.stdout
    assert not exists(api, ObjectRef("v1", "ConfigMap", "legacy", recorded_namespace))
    assert file.with_name(file.name + ".executed").exists()
