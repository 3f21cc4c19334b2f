from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scenario_harness import ScenarioHarness

from undertow.kube import KubeApi, connect


@pytest.fixture(scope="session")
def kube_api(kubeconfig: str) -> Iterator[KubeApi]:
    api = connect(Path(kubeconfig))
    try:
        yield api
    finally:
        api.close()


@pytest.fixture
def harness(kube_api: KubeApi, tmp_path: Path) -> ScenarioHarness:
    return ScenarioHarness(kube_api, tmp_path / "versions")
