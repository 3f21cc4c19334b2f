"""Fixtures for the API-fault tests: a direct KubeApi (never through the proxy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from undertow.kube import KubeApi, connect


@pytest.fixture(scope="module")
def api(kubeconfig: str) -> Iterator[KubeApi]:
    kube = connect(Path(kubeconfig))
    yield kube
    kube.close()
