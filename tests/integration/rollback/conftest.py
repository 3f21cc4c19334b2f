"""Fixtures for the journal's integration tests: a KubeApi, a journal, a journaled client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from undertow.kube import KubeApi, connect
from undertow.rollback import JournaledClient
from undertow.rollback.journal import Journal


@pytest.fixture(scope="session")
def api(kubeconfig: str) -> Iterator[KubeApi]:
    kube = connect(Path(kubeconfig))
    yield kube
    kube.close()


@pytest.fixture
def versions_dir(tmp_path: Path) -> Path:
    return tmp_path / "versions"


@pytest.fixture
def journal(versions_dir: Path) -> Iterator[Journal]:
    j = Journal.open(versions_dir, str(uuid.uuid4()))
    yield j
    j.close()


@pytest.fixture
def client(api: KubeApi, journal: Journal) -> JournaledClient:
    return JournaledClient(api, journal, "test_scenarios")


@pytest.fixture
def node_name(api: KubeApi) -> str:
    return str(api.list_nodes()[0]["metadata"]["name"])
