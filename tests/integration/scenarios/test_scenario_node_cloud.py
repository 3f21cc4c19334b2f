"""node_scenarios through a real cloud provider: needs a real cluster and its cloud.

Skipped (with the reason shown by `pytest -ra`) unless configured:
  UNDERTOW_REAL_KUBECONFIG   kubeconfig of a disposable cluster on a cloud
  UNDERTOW_REAL_CLOUD_TYPE   aws, gcp, azure, openstack, ibmcloud, vmware or bm
  UNDERTOW_REAL_NODE         the node to stop and start (its machine really stops) and, on
                             aws/gcp/azure, whose data disks are detached and attached back
plus the provider's usual credentials in the environment and its extra installed
(`pip install '.[aws]'` ...).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenario_harness import ScenarioHarness

from undertow.kube import KubeApi, connect
from undertow.kube.refs import ObjectRef
from undertow.scenarios import providers
from undertow.scenarios.common.nodes import node_is_back
from undertow.scenarios.node_actions import plugin

SETTINGS = ("UNDERTOW_REAL_KUBECONFIG", "UNDERTOW_REAL_CLOUD_TYPE", "UNDERTOW_REAL_NODE")
MISSING = [name for name in SETTINGS if not os.environ.get(name)]

pytestmark = [
    pytest.mark.realcluster,
    pytest.mark.skipif(bool(MISSING), reason=f"real cloud cluster not configured: set {MISSING}"),
]


@pytest.fixture(scope="module")
def real_api() -> Iterator[KubeApi]:
    api = connect(Path(os.environ["UNDERTOW_REAL_KUBECONFIG"]))
    try:
        yield api
    finally:
        api.close()


def test_stop_start_through_the_cloud_provider_brings_the_node_back(
    real_api: KubeApi, tmp_path: Path
) -> None:
    cloud_type = os.environ["UNDERTOW_REAL_CLOUD_TYPE"]
    node = os.environ["UNDERTOW_REAL_NODE"]
    if missing := providers.missing_sdk(cloud_type):
        pytest.skip(f"cloud_type {cloud_type} needs {missing}")
    harness = ScenarioHarness(real_api, tmp_path / "versions")
    spec = {
        "node_scenarios": [
            {
                "actions": ["node_stop_start_scenario"],
                "node_name": node,
                "cloud_type": cloud_type,
                "duration": 30,
                "timeout": 900,
                "poll_interval": 15,
            }
        ]
    }
    out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert {"node.stopped", "node.down", "node.started", "node.back"} <= set(out.kinds())
    assert out.pending_files() == []
    assert node_is_back(real_api.get(ObjectRef.node(node)))


def test_the_nodes_data_disks_are_detached_then_attached_back(
    real_api: KubeApi, tmp_path: Path
) -> None:
    """The node needs at least one data disk besides its boot disk (aws, gcp or azure)."""
    cloud_type = os.environ["UNDERTOW_REAL_CLOUD_TYPE"]
    if not providers.has_disks(cloud_type):
        pytest.skip(f"cloud_type {cloud_type} has no disk API in undertow")
    if missing := providers.missing_sdk(cloud_type):
        pytest.skip(f"cloud_type {cloud_type} needs {missing}")
    harness = ScenarioHarness(real_api, tmp_path / "versions")
    spec = {
        "node_scenarios": [
            {
                "actions": ["node_disk_detach_attach_scenario"],
                "node_name": os.environ["UNDERTOW_REAL_NODE"],
                "cloud_type": cloud_type,
                "duration": 30,
            }
        ]
    }
    out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert {"node.disk_detached", "node.disk_attached"} <= set(out.kinds())
    assert out.pending_files() == []
