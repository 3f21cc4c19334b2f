"""Version files written by earlier undertows (tests/data/rollback, kept byte for byte, one
per earlier template) are still executed by `undertow rollback execute` against the cluster."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clitools import undertow
from objects import config_map, exists

from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.testing import sign_version_file

OLD = Path(__file__).parents[2] / "data" / "rollback"
# Each old file, with the ConfigMap and entry label it records (in NAMESPACE).
OLD_FILES = {
    "first": (OLD / "application_outages_scenarios_1755488221668750000_legacycm.py", "legacy"),
    "second": (OLD / "application_outages_scenarios_1756800600000000000_scriptcm.py", "pep723"),
    "third": (OLD / "application_outages_scenarios_1763000000000000000_modulecm.py", "package"),
}
NAMESPACE = "undertow-compat-format1"
RUN_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


@pytest.fixture(scope="module")
def recorded_namespace(api_client: Any) -> Iterator[str]:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": NAMESPACE, "labels": {"undertow.io/test": "true"}}})
    try:
        yield NAMESPACE
    finally:
        core.delete_namespace(NAMESPACE)


@pytest.mark.parametrize("template", sorted(OLD_FILES))
def test_an_old_version_file_is_executed(
    api: KubeApi, kubeconfig: str, recorded_namespace: str, tmp_path: Path, template: str
) -> None:
    old_file, name = OLD_FILES[template]
    manifest = config_map(name, recorded_namespace)
    labels = {"undertow.io/run-id": RUN_ID, "undertow.io/entry": f"{name}entry"}
    manifest["metadata"]["labels"] = labels
    mutate.create(api, manifest)
    context = tmp_path / "v" / "1755488221000000000-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    context.mkdir(mode=0o700, parents=True)
    (tmp_path / "v").chmod(0o700)
    file = context / old_file.name
    shutil.copyfile(old_file, file)
    file.chmod(0o600)
    sign_version_file(file)  # written before files were signed: signed here, by the same user

    result = undertow("rollback", "execute", "--file", str(file), "--kubeconfig", kubeconfig)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 restored" in result.stdout
    assert not exists(api, ObjectRef("v1", "ConfigMap", name, recorded_namespace))
    assert file.with_name(file.name + ".executed").exists()
