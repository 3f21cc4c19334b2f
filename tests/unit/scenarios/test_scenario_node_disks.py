"""node_disk_detach_attach on aws, gcp and azure, with plain fakes of the SDK clients: which
disks are chosen (never the boot disk), each detach journaled before its SDK call, the
undo (`attach_disk`) attaching it back at the same place without a cluster, and a second
undo finding it attached already."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from undertow import undo
from undertow.clock import CancelToken, SystemClock
from undertow.events import EventLog
from undertow.rollback.client import JournaledClient
from undertow.rollback.journal import Journal
from undertow.scenarios import providers
from undertow.scenarios.base import RunContext
from undertow.scenarios.node_actions import NodeScenariosSpec
from undertow.scenarios.node_actions.entry import EntryRun
from undertow.scenarios.node_actions.plugin import NodeActionsPlugin, _steps
from undertow.scenarios.providers.aws import AwsProvider
from undertow.scenarios.providers.azure import AzureProvider
from undertow.scenarios.providers.base import Disk, Instance
from undertow.scenarios.providers.gcp import GcpProvider
from undertow.scenarios.providers.node_chaos import NodeChaos


def no_cluster() -> Any:
    raise AssertionError("attaching a disk back must not connect to Kubernetes")


def journaled(versions: Path) -> int:
    return len(list(versions.rglob("*.py")))


# --- aws -----------------------------------------------------------------------------------


class FakeEc2:
    """One instance with a root volume and two data volumes; records each call, and how many
    version files were on disk when a detach was sent."""

    def __init__(self, versions: Path) -> None:
        self.versions = versions
        self.calls: list[tuple[str, ...]] = []
        self.journaled_at_detach: list[int] = []
        self.attached = {"vol-root": "/dev/xvda", "vol-a": "/dev/sdf", "vol-b": "/dev/sdg"}

    def describe_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        mappings = [{"DeviceName": d, "Ebs": {"VolumeId": v}} for v, d in self.attached.items()]
        found = {"RootDeviceName": "/dev/xvda", "BlockDeviceMappings": mappings}
        return {"Reservations": [{"Instances": [found]}]}

    def detach_volume(self, VolumeId: str, InstanceId: str, Device: str, Force: bool) -> None:
        self.journaled_at_detach.append(journaled(self.versions))
        self.calls.append(("detach", VolumeId, Device))
        del self.attached[VolumeId]

    def describe_volumes(self, VolumeIds: list[str]) -> dict[str, Any]:
        [volume] = VolumeIds
        if volume not in self.attached:
            return {"Volumes": [{"VolumeId": volume, "Attachments": []}]}
        attachment = {"InstanceId": "i-1", "Device": self.attached[volume], "State": "attached"}
        return {"Volumes": [{"VolumeId": volume, "Attachments": [attachment]}]}

    def attach_volume(self, VolumeId: str, InstanceId: str, Device: str) -> None:
        self.calls.append(("attach", VolumeId, Device))
        self.attached[VolumeId] = Device

    def get_waiter(self, name: str) -> Any:
        return SimpleNamespace(wait=lambda **kw: None)


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    return tmp_path / "versions"


@pytest.fixture
def kube(versions: Path) -> Iterator[JournaledClient]:
    journal = Journal.open(versions, "run-disks")
    yield JournaledClient(SimpleNamespace(), journal, "node_scenarios")  # type: ignore[arg-type]
    journal.close()


@pytest.fixture
def ec2(monkeypatch: pytest.MonkeyPatch, versions: Path) -> FakeEc2:
    fake = FakeEc2(versions)
    monkeypatch.setitem(sys.modules, "boto3", SimpleNamespace(client=lambda *a, **kw: fake))
    return fake


AWS_INSTANCE = Instance("aws", "worker-1", "i-1", {"region": "eu-west-3"})


def aws_node() -> dict[str, Any]:
    return {
        "metadata": {"name": "worker-1", "labels": {}},
        "spec": {"providerID": "aws:///eu-west-3a/i-1"},
    }


def test_aws_data_disks_leave_the_root_volume_out(ec2: FakeEc2) -> None:
    assert AwsProvider().data_disks(AWS_INSTANCE) == [
        Disk("vol-a", "/dev/sdf"),
        Disk("vol-b", "/dev/sdg"),
    ]


def test_aws_each_detach_is_journaled_first_and_its_undo_attaches_it_back(
    ec2: FakeEc2, kube: JournaledClient
) -> None:
    provider = AwsProvider()
    change = provider.detach_disk(kube, AWS_INSTANCE, Disk("vol-a", "/dev/sdf"))
    assert ec2.calls == [("detach", "vol-a", "/dev/sdf")]
    assert ec2.journaled_at_detach == [1]
    data = change.entry.data if change.entry else {}
    assert data["action"] == "attach_disk"
    assert data["instance"] == {"provider": "aws", "id": "i-1", "region": "eu-west-3"}
    assert data["disk"] == {"id": "vol-a", "device": "/dev/sdf"}
    assert data["target"]["name"] == "worker-1"

    first = undo.undo(no_cluster, data)
    assert first.outcome == undo.RESTORED, first
    assert ec2.calls[-1] == ("attach", "vol-a", "/dev/sdf")
    again = undo.undo(no_cluster, data)
    assert again.outcome == undo.ALREADY_RESTORED, again
    assert len(ec2.calls) == 2
    assert undo.requirements(data) == ["boto3"]


def test_aws_a_volume_attached_elsewhere_since_is_left_alone(ec2: FakeEc2) -> None:
    record = {
        "format": undo.FORMAT,
        "action": "attach_disk",
        "instance": {"provider": "aws", "id": "i-other", "region": "r"},
        "disk": {"id": "vol-a", "device": "/dev/sdf"},
    }
    conflict = undo.undo(no_cluster, record)
    assert conflict.outcome == undo.CONFLICT and not conflict.resolved
    assert "attached to i-1 now, not i-other" in conflict.detail
    assert ec2.calls == []


def entry_run(kube: JournaledClient, cancel: CancelToken) -> tuple[EntryRun, EventLog]:
    """An aws node_disk_detach_attach entry held 0 s, its provider built."""
    spec = NodeScenariosSpec.model_validate(
        {
            "node_scenarios": [
                {"actions": ["node_disk_detach_attach"], "cloud_type": "aws", "duration": 0}
            ]
        }
    )
    [scenario] = spec.node_scenarios
    events = EventLog()
    ctx = RunContext(
        scenario_type="node_scenarios",
        scenario_file="n.yaml",
        kube=kube,
        clock=SystemClock(),
        cancel=cancel,
        events=events,
        log=logging.getLogger("test"),
    )
    run = EntryRun(ctx, scenario, 0, random.Random(1))
    run.chaos = NodeChaos(ctx, AwsProvider(), scenario.timeout, scenario.poll_interval)
    return run, events


def test_the_entry_detaches_every_data_disk_then_attaches_them_back_newest_first(
    ec2: FakeEc2, kube: JournaledClient, versions: Path
) -> None:
    run, events = entry_run(kube, CancelToken())
    run._node_disk_detach_attach(aws_node())
    assert ec2.calls == [
        ("detach", "vol-a", "/dev/sdf"),
        ("detach", "vol-b", "/dev/sdg"),
        ("attach", "vol-b", "/dev/sdg"),
        ("attach", "vol-a", "/dev/sdf"),
    ]
    assert ec2.journaled_at_detach == [1, 2]
    assert journaled(versions) == 0 and not kube.pending and not run.held
    kinds = [e.kind for e in events.events]
    assert kinds == ["node.disk_detached"] * 2 + ["node.disk_attached"] * 2


def test_a_cancelled_entry_detaches_nothing(ec2: FakeEc2, kube: JournaledClient) -> None:
    cancel = CancelToken()
    cancel.cancel()
    run, _ = entry_run(kube, cancel)
    run._node_disk_detach_attach(aws_node())
    assert ec2.calls == [] and not kube.pending


# --- gcp -----------------------------------------------------------------------------------


BOOT = "projects/p/zones/z/disks/boot"
DATA = "projects/p/zones/z/disks/data"


class FakeInstances:
    def __init__(self) -> None:
        self.disks = [
            SimpleNamespace(boot=True, source=BOOT, device_name="persistent-disk-0", mode=""),
            SimpleNamespace(boot=False, source=DATA, device_name="data-1", mode="READ_WRITE"),
        ]
        self.calls: list[tuple[str, Any]] = []

    def get(self, project: str, zone: str, instance: str) -> Any:
        return SimpleNamespace(disks=list(self.disks), status="RUNNING")

    def detach_disk(self, project: str, zone: str, instance: str, device_name: str) -> Any:
        self.calls.append(("detach", device_name))
        self.disks = [d for d in self.disks if d.device_name != device_name]
        return SimpleNamespace(result=lambda: None)

    def attach_disk(
        self, project: str, zone: str, instance: str, attached_disk_resource: dict[str, str]
    ) -> Any:
        self.calls.append(("attach", attached_disk_resource))
        self.disks.append(SimpleNamespace(boot=False, **attached_disk_resource))
        return SimpleNamespace(result=lambda: None)


@pytest.fixture
def gce(monkeypatch: pytest.MonkeyPatch) -> FakeInstances:
    fake = FakeInstances()
    module = SimpleNamespace(InstancesClient=lambda: fake)
    monkeypatch.setitem(sys.modules, "google.cloud.compute_v1", module)
    return fake


def test_gcp_detaches_the_data_disk_by_device_name_and_attaches_it_back(
    gce: FakeInstances, kube: JournaledClient
) -> None:
    inst = Instance("gcp", "worker-2", "vm-7", {"project": "p", "zone": "z"})
    provider = GcpProvider()
    [disk] = provider.data_disks(inst)
    assert disk == Disk(DATA, "data-1", {"mode": "READ_WRITE"})
    change = provider.detach_disk(kube, inst, disk)
    assert gce.calls == [("detach", "data-1")]
    data = change.entry.data if change.entry else {}
    assert data["disk"] == {"id": DATA, "device": "data-1", "mode": "READ_WRITE"}
    assert undo.undo(no_cluster, data).outcome == undo.RESTORED
    assert gce.calls[-1] == (
        "attach",
        {"source": DATA, "device_name": "data-1", "mode": "READ_WRITE"},
    )
    assert undo.undo(no_cluster, data).outcome == undo.ALREADY_RESTORED
    assert len(gce.calls) == 2


# --- azure ---------------------------------------------------------------------------------


DISK_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/data0"


def data_disk(**fields: Any) -> Any:
    managed = fields.pop("managed_disk")
    return SimpleNamespace(managed_disk=managed, **fields)


class FakeVms:
    def __init__(self) -> None:
        other = SimpleNamespace(id="/subscriptions/s/.../disks/logs")
        self.vm = SimpleNamespace(
            storage_profile=SimpleNamespace(
                os_disk=SimpleNamespace(name="os"),
                data_disks=[
                    data_disk(
                        lun=0,
                        name="data0",
                        caching=SimpleNamespace(value="ReadOnly"),
                        managed_disk=SimpleNamespace(id=DISK_ID),
                    ),
                    data_disk(lun=3, name="logs", caching=None, managed_disk=other),
                ],
            )
        )
        self.updates: list[list[int]] = []

    def get(self, group: str, name: str) -> Any:
        return self.vm

    def begin_create_or_update(self, group: str, name: str, vm: Any) -> Any:
        self.updates.append([d.lun for d in vm.storage_profile.data_disks])
        return SimpleNamespace(result=lambda: None)


@pytest.fixture
def azure(monkeypatch: pytest.MonkeyPatch) -> FakeVms:
    vms = FakeVms()
    compute = SimpleNamespace(
        ComputeManagementClient=lambda cred, sub: SimpleNamespace(virtual_machines=vms)
    )
    models = SimpleNamespace(DataDisk=data_disk, ManagedDiskParameters=SimpleNamespace)
    monkeypatch.setitem(
        sys.modules, "azure.identity", SimpleNamespace(DefaultAzureCredential=object)
    )
    monkeypatch.setitem(sys.modules, "azure.mgmt.compute", compute)
    monkeypatch.setitem(sys.modules, "azure.mgmt.compute.models", models)
    return vms


def test_azure_detaches_one_lun_and_attaches_it_back_at_that_lun(
    azure: FakeVms, kube: JournaledClient
) -> None:
    inst = Instance("azure", "worker-3", "vm-3", {"subscription": "s", "resource_group": "rg"})
    provider = AzureProvider()
    disks = provider.data_disks(inst)
    assert disks[0] == Disk(DISK_ID, "0", {"name": "data0", "caching": "ReadOnly"})
    change = provider.detach_disk(kube, inst, disks[0])
    assert azure.updates == [[3]]
    data = change.entry.data if change.entry else {}
    assert data["disk"] == {"id": DISK_ID, "device": "0", "name": "data0", "caching": "ReadOnly"}
    assert undo.undo(no_cluster, data).outcome == undo.RESTORED
    assert azure.updates[-1] == [3, 0]
    back = azure.vm.storage_profile.data_disks[-1]
    assert (back.lun, back.name, back.create_option, back.caching) == (
        0,
        "data0",
        "Attach",
        "ReadOnly",
    )
    assert undo.undo(no_cluster, data).outcome == undo.ALREADY_RESTORED
    assert len(azure.updates) == 2


def test_azure_a_lun_taken_since_is_left_alone(azure: FakeVms) -> None:
    record = {
        "format": undo.FORMAT,
        "action": "attach_disk",
        "instance": {
            "provider": "azure",
            "id": "vm-3",
            "subscription": "s",
            "resource_group": "rg",
        },
        "disk": {"id": DISK_ID.replace("data0", "gone"), "device": "3"},
    }
    conflict = undo.undo(no_cluster, record)
    assert conflict.outcome == undo.CONFLICT
    assert conflict.detail.startswith("LUN 3 of VM vm-3 holds another disk now")
    assert azure.updates == []
    assert undo.undo(no_cluster, record, dry_run=True).outcome == undo.WOULD_RESTORE


KRKN_AWS = Path(__file__).parents[2] / "data" / "krkn" / "node_scenarios" / "aws_node_scenarios.yml"


def test_krkns_own_example_is_accepted_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(providers, "missing_sdk", lambda cloud_type: None)  # boto3 installed
    spec = NodeScenariosSpec.model_validate(yaml.safe_load(KRKN_AWS.read_text()))
    disk_entry = spec.node_scenarios[-1]
    assert disk_entry.actions == ["node_disk_detach_attach_scenario"]
    assert NodeActionsPlugin().preflight(spec) == []
    assert "never the boot disk" in _steps(disk_entry)


FAKE_BOTO3_VOLUMES = """
from types import SimpleNamespace

class _Ec2:
    attached = {}

    def describe_volumes(self, VolumeIds):
        [volume] = VolumeIds
        device = _Ec2.attached.get(volume)
        found = [{"InstanceId": "i-1", "Device": device, "State": "attached"}] if device else []
        return {"Volumes": [{"VolumeId": volume, "Attachments": found}]}

    def attach_volume(self, VolumeId, InstanceId, Device):
        _Ec2.attached[VolumeId] = Device

    def get_waiter(self, name):
        return SimpleNamespace(wait=lambda **kw: None)


def client(service, region_name=None):
    return _Ec2()
"""


def test_an_attach_disk_version_file_run_by_hand_needs_neither_the_cluster_nor_kubernetes(
    tmp_path: Path,
) -> None:
    """`python <version file>` with only boto3 (a fake) importable and no kubeconfig."""
    site = tmp_path / "site"
    (site / "kubernetes").mkdir(parents=True)
    (site / "kubernetes" / "__init__.py").write_text('raise ImportError("no kubernetes here")\n')
    (site / "boto3.py").write_text(FAKE_BOTO3_VOLUMES)
    journal = Journal.open(tmp_path / "v", "dead-run")
    record = {
        "action": "attach_disk",
        "description": "attach disk vol-a (at /dev/sdf) back to aws instance i-1",
        "instance": {"provider": "aws", "id": "i-1", "region": "eu-west-3"},
        "disk": {"id": "vol-a", "device": "/dev/sdf"},
        "target": {"api_version": "v1", "kind": "Node", "name": "worker-1", "namespace": None},
    }
    file = journal.record("node_scenarios", record).path
    journal.close()
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [sys.executable, str(file), "--kubeconfig", str(tmp_path / "none")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "restored: attached aws disk vol-a at /dev/sdf of instance i-1" in done.stdout
    assert '# dependencies = ["boto3"]' in file.read_text()
