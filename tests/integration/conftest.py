"""Fixtures for the integration suite: one real local control plane per test session.

- `local_cluster` (session): starts the local cluster once (building the binaries on first use),
  or reuses the cluster behind UNDERTOW_TEST_KUBECONFIG when that is set. With CI=true a cluster
  that cannot start FAILS the tests; elsewhere they are skipped with the reason.
  UNDERTOW_TEST_KEEP_CLUSTER=1 leaves the cluster running after the session (the next session
  reuses it, since `up` is idempotent). UNDERTOW_TEST_SHARED_REAL_NODE=1 (development only, never
  in CI) keeps a kept cluster's real node attached for several sessions at once; the tests that
  compare the host with its state before the node are then skipped, saying why.
- `kubeconfig` (session): the admin kubeconfig path, as a str.
- `namespace` (per test): a fresh namespace, deleted after the test.
- `real_node` (session): the same cluster with its real worker node attached (kubelet,
  containerd, kube-proxy; undertow.cluster.realnode), once per run. Without root or the Debian
  packages it needs, its tests are skipped with the reason, except with CI=true, where they fail.
  The host's state before the node was attached is kept for the host-state test.

Everything under tests/integration is marked `integration` automatically.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from undertow.errors import LocalClusterError

TEST_CLUSTER_NAME = "undertow-test"
HERE = Path(__file__).parent


@dataclass(frozen=True)
class ClusterHandle:
    """What the tests get: the kubeconfig, and the local cluster's details when we started it."""

    kubeconfig: str
    info: Any | None  # undertow.cluster.ClusterInfo, None for an external cluster

    @property
    def owned(self) -> bool:
        return self.info is not None


BUILD_ERROR = pytest.StashKey[LocalClusterError]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Build the binaries here, outside any test: a cold build outlasts the per-test timeout."""
    if os.environ.get("UNDERTOW_TEST_KUBECONFIG") or session.config.option.collectonly:
        return
    if not any("local_cluster" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    from undertow import cluster

    try:
        cluster.ensure_binaries(_progress(session.config))
    except LocalClusterError as exc:
        session.config.stash[BUILD_ERROR] = exc


def _progress(config: pytest.Config) -> Any:
    """Print through pytest's capture, so a long first build is visible without -s."""
    capture = config.pluginmanager.getplugin("capturemanager")

    def emit(message: str) -> None:
        if capture is None:
            print(message, file=sys.__stderr__, flush=True)
            return
        with capture.global_and_fixture_disabled():
            print(f"[local cluster] {message}", file=sys.stderr, flush=True)

    return emit


@pytest.fixture(scope="session")
def local_cluster(request: pytest.FixtureRequest) -> Iterator[ClusterHandle]:
    external = os.environ.get("UNDERTOW_TEST_KUBECONFIG")
    if external:
        yield ClusterHandle(kubeconfig=external, info=None)
        return
    from undertow import cluster

    progress = _progress(request.config)
    try:
        if BUILD_ERROR in request.config.stash:
            raise request.config.stash[BUILD_ERROR]
        info = cluster.up(cluster.ClusterSpec(name=TEST_CLUSTER_NAME), progress=progress)
    except LocalClusterError as exc:
        message = f"the local control plane could not start: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield ClusterHandle(kubeconfig=str(info.kubeconfig), info=info)
    finally:
        if os.environ.get("UNDERTOW_TEST_KEEP_CLUSTER") != "1":
            cluster.down(TEST_CLUSTER_NAME, progress=progress)


def _unavailable(message: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class RealNodeHandle:
    name: str
    baseline: Any  # host_state.HostState before the node existed; None on a shared node

    def require_baseline(self) -> Any:
        if self.baseline is None:
            pytest.skip("the real node is shared (UNDERTOW_TEST_SHARED_REAL_NODE=1): no baseline")
        return self.baseline


@pytest.fixture(scope="session")
def real_node(request: pytest.FixtureRequest, local_cluster: ClusterHandle) -> RealNodeHandle:
    if not local_cluster.owned:
        _unavailable("the real node is part of the local cluster; UNDERTOW_TEST_KUBECONFIG is set")
    from host_state import HostState

    from undertow import cluster
    from undertow.cluster import realnode

    try:
        realnode.host.preflight()
    except LocalClusterError as exc:
        _unavailable(str(exc))
    # A kept cluster may still have its node from an earlier session: the baseline is the host
    # without any real node. UNDERTOW_TEST_SHARED_REAL_NODE=1 (development only: several test
    # sessions on one kept cluster) keeps the node attached; the tests that compare the host with
    # its baseline are then skipped.
    baseline = None
    if os.environ.get("UNDERTOW_TEST_SHARED_REAL_NODE") != "1":
        cluster.detach_real_node(TEST_CLUSTER_NAME)
        baseline = HostState.read()
    try:
        cluster.up(
            cluster.ClusterSpec(name=TEST_CLUSTER_NAME, real_nodes=1),
            progress=_progress(request.config),
        )
    except LocalClusterError as exc:
        _unavailable(f"the real node could not start: {exc}")
    return RealNodeHandle(name=realnode.NODE_NAME, baseline=baseline)


@pytest.fixture(scope="session")
def kubeconfig(local_cluster: ClusterHandle) -> str:
    return local_cluster.kubeconfig


@pytest.fixture(scope="session")
def api_client(kubeconfig: str) -> Iterator[Any]:
    """A kubernetes ApiClient on the admin kubeconfig (shared by the session)."""
    from kubernetes import config

    client = config.new_client_from_config(config_file=kubeconfig)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def namespace(request: pytest.FixtureRequest, api_client: Any) -> Iterator[str]:
    """A namespace for one test (named after it), deleted afterwards with everything in it."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    slug = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = f"t-{slug}-{uuid.uuid4().hex[:6]}"
    core = client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": name, "labels": {"undertow.io/test": "true"}}})
    try:
        yield name
    finally:
        try:
            core.delete_namespace(name)
        except ApiException as exc:
            if exc.status != 404:
                raise
