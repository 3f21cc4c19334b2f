"""node_disk_detach_attach through the whole entry against the local control plane: a kwok
node whose providerID names an EC2 instance is selected from the API, each data volume is
journaled then detached, and attached back at the end. EC2 itself is a plain fake (a cloud
cannot be reached from the tests); the real call is in test_scenario_node_cloud.py."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from scenario_harness import ScenarioHarness
from scenario_nodes import node_manifest

from undertow.kube import KubeApi
from undertow.scenarios import providers
from undertow.scenarios.node_actions import plugin


class FakeEc2:
    """One instance: a root volume and one data volume."""

    def __init__(self) -> None:
        self.attached = {"vol-root": "/dev/xvda", "vol-data": "/dev/sdf"}
        self.calls: list[tuple[str, str]] = []

    def describe_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        mappings = [{"DeviceName": d, "Ebs": {"VolumeId": v}} for v, d in self.attached.items()]
        found = {"RootDeviceName": "/dev/xvda", "BlockDeviceMappings": mappings}
        return {"Reservations": [{"Instances": [found]}]}

    def detach_volume(self, VolumeId: str, InstanceId: str, Device: str, Force: bool) -> None:
        self.calls.append(("detach", VolumeId))
        del self.attached[VolumeId]

    def describe_volumes(self, VolumeIds: list[str]) -> dict[str, Any]:
        [volume] = VolumeIds
        device = self.attached.get(volume)
        found = [{"InstanceId": "i-0kwok", "Device": device, "State": "attached"}] if device else []
        return {"Volumes": [{"VolumeId": volume, "Attachments": found}]}

    def attach_volume(self, VolumeId: str, InstanceId: str, Device: str) -> None:
        self.calls.append(("attach", VolumeId))
        self.attached[VolumeId] = Device

    def get_waiter(self, name: str) -> Any:
        return SimpleNamespace(wait=lambda **kw: None)


@pytest.fixture
def aws_node(api_client: Any) -> Iterator[str]:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    group = uuid.uuid4().hex[:6]
    name = f"disk-{group}"
    manifest = node_manifest(name, group, f"zone-test-{group}")
    manifest["spec"]["providerID"] = "aws:///eu-west-3a/i-0kwok"
    core.create_node(manifest)
    try:
        yield name
    finally:
        core.delete_node(name)


@pytest.fixture
def ec2(monkeypatch: pytest.MonkeyPatch) -> FakeEc2:
    fake = FakeEc2()
    monkeypatch.setitem(sys.modules, "boto3", SimpleNamespace(client=lambda *a, **kw: fake))
    monkeypatch.setattr(providers, "missing_sdk", lambda cloud_type: None)
    return fake


def test_the_data_volume_is_detached_for_duration_then_attached_back(
    harness: ScenarioHarness, kube_api: KubeApi, aws_node: str, ec2: FakeEc2
) -> None:
    spec = {
        "node_scenarios": [
            {
                "actions": ["node_disk_detach_attach_scenario"],
                "node_name": aws_node,
                "cloud_type": "aws",
                "duration": 1,
            }
        ]
    }
    [line] = harness.plan(plugin, spec)
    assert f"via aws (e.g. {aws_node})" in line and "never the boot disk" in line, line
    out = harness.run(plugin, spec)
    assert out.result is not None and out.result.passed, out
    assert ec2.calls == [("detach", "vol-data"), ("attach", "vol-data")]
    assert ec2.attached == {"vol-root": "/dev/xvda", "vol-data": "/dev/sdf"}
    kinds = out.kinds()
    assert kinds.index("node.disk_detached") < kinds.index("node.disk_attached")
    assert out.settle.complete and out.pending_files() == []
