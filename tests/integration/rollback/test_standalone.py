"""`python <version file>` restores the cluster from a virtualenv holding only `kubernetes`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from objects import config_map, deployment, exists

from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback import JournaledClient


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with `kubernetes` (from PyPI or the local pip cache) and nothing else."""
    venv = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "kubernetes",
        ],
        check=True,
        timeout=600,
    )
    probe = subprocess.run([str(python), "-c", "import undertow"], capture_output=True, check=False)
    assert probe.returncode != 0, "the bare virtualenv must not see undertow"
    return python


def _run(python: Path, file: Path, kubeconfig: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["KUBECONFIG"] = kubeconfig
    return subprocess.run(
        [str(python), str(file), *args],
        env=env,
        cwd=file.parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_version_file_restores_from_a_bare_virtualenv(
    bare_python: Path, client: JournaledClient, api: KubeApi, namespace: str, kubeconfig: str
) -> None:
    created = client.create(config_map("standalone", namespace))
    mutate.create(api, deployment("web", namespace, replicas=2))
    web = ObjectRef("apps/v1", "Deployment", "web", namespace)
    client.scale(web, 0)
    create_file, scale_file = (e.path for e in client.pending)

    dry = _run(bare_python, create_file, kubeconfig, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would restore: would delete ConfigMap" in dry.stdout
    assert exists(api, ObjectRef.of(created))

    first = _run(bare_python, create_file, kubeconfig)
    assert first.returncode == 0, first.stderr
    assert "restored: deleted ConfigMap" in first.stdout
    assert not exists(api, ObjectRef.of(created))
    second = _run(bare_python, create_file, kubeconfig)
    assert second.returncode == 0 and "already restored" in second.stdout

    scaled = _run(bare_python, scale_file, kubeconfig)
    assert scaled.returncode == 0, scaled.stderr
    assert api.get(web)["spec"]["replicas"] == 2


def test_version_file_exits_non_zero_when_it_cannot_restore(
    bare_python: Path, client: JournaledClient, api: KubeApi, namespace: str, kubeconfig: str
) -> None:
    mutate.create(api, deployment("web", namespace, replicas=2))
    web = ObjectRef("apps/v1", "Deployment", "web", namespace)
    client.scale(web, 0)
    mutate.json_patch(api, web, [{"op": "replace", "path": "/spec/replicas", "value": 7}])
    [entry] = client.pending
    result = _run(bare_python, entry.path, kubeconfig)
    assert result.returncode == 1
    assert "conflict" in result.stdout
    assert api.get(web)["spec"]["replicas"] == 7

    unreachable = _run(bare_python, entry.path, str(entry.path.parent / "no-such-kubeconfig"))
    assert unreachable.returncode == 1 and "failed" in unreachable.stderr
