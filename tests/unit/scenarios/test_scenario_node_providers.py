"""Node providers' pure logic: finding the instance behind a node, naming the missing extra,
journaling a stop before the SDK call. The SDKs are replaced by plain fakes; the real calls
need a real cloud (not tested here)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from undertow.errors import ScenarioError
from undertow.rollback.client import JournaledClient
from undertow.rollback.journal import Journal
from undertow.scenarios import providers
from undertow.scenarios.providers.aws import AwsProvider, region_of
from undertow.scenarios.providers.azure import AzureProvider
from undertow.scenarios.providers.baremetal import BareMetalProvider
from undertow.scenarios.providers.base import Instance
from undertow.scenarios.providers.gcp import GcpProvider
from undertow.scenarios.providers.ibmcloud import IbmCloudProvider
from undertow.scenarios.providers.openstack import OpenStackProvider


def node(name: str, provider_id: str = "", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {"providerID": provider_id} if provider_id else {},
    }


def test_instances_are_found_from_the_provider_id() -> None:
    aws = AwsProvider().instance(node("n1", "aws:///eu-west-3b/i-0abc"))
    assert (aws.id, dict(aws.where)) == ("i-0abc", {"region": "eu-west-3"})
    labelled = node("n1", "aws:///eu-west-3b/i-0abc", **{"topology.kubernetes.io/region": "r"})
    assert AwsProvider().instance(labelled).where["region"] == "r"
    gcp = GcpProvider().instance(node("n2", "gce://proj/us-central1-a/vm-7"))
    assert (gcp.id, dict(gcp.where)) == ("vm-7", {"project": "proj", "zone": "us-central1-a"})
    azure = AzureProvider().instance(
        node(
            "n3",
            "azure:///subscriptions/s-1/resourceGroups/rg/providers/"
            "Microsoft.Compute/virtualMachines/vm-3",
        )
    )
    assert (azure.id, dict(azure.where)) == (
        "vm-3",
        {"subscription": "s-1", "resource_group": "rg"},
    )
    assert OpenStackProvider().instance(node("n4", "openstack:///uuid-4")).id == "uuid-4"
    assert IbmCloudProvider().instance(node("n5", "ibm://acct///cl/0717_abc")).id == "0717_abc"
    assert region_of("us-east-1a") == "us-east-1" and region_of("local") == "local"


def test_a_node_without_a_matching_provider_id_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError, match="does not start with gce://"):
        GcpProvider().instance(node("n", "aws:///z/i-1"))
    with pytest.raises(ScenarioError, match="gce://<project>/<zone>/<instance>"):
        GcpProvider().instance(node("n", "gce://only-project"))
    with pytest.raises(ScenarioError, match="names no Azure virtual machine"):
        AzureProvider().instance(node("n", "azure:///subscriptions/s"))


def test_bare_metal_takes_bmc_details_per_node_and_never_records_the_password() -> None:
    bm = BareMetalProvider({"n1": {"bmc_addr": "10.0.0.9", "bmc_password": "p"}}, "admin")
    inst = bm.instance(node("n1"))
    assert inst.undo_record() == {
        "provider": "bm",
        "id": "10.0.0.9",
        "bmc_addr": "10.0.0.9",
        "bmc_user": "admin",
    }
    with pytest.raises(ScenarioError, match="no bmc_addr for node n2"):
        bm.instance(node("n2"))


def test_cloud_type_aliases_and_unknown_providers() -> None:
    assert providers.canonical("az") == "azure" and providers.canonical("vsphere") == "vmware"
    assert providers.supported("ibm") and not providers.supported("docker")
    assert isinstance(providers.provider_for("az"), AzureProvider)
    with pytest.raises(ScenarioError, match="'generic' has no node provider"):
        providers.provider_for("generic")


def test_a_missing_sdk_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 → ImportError
    inst = Instance("aws", "n1", "i-1", {"region": "r"})
    with pytest.raises(ScenarioError, match=r"pip install 'undertow\[aws\]'"):
        AwsProvider().state(inst)


class FakeEc2:
    """Records calls, and what the journal held when the stop was sent."""

    def __init__(self, journal_dir: Path) -> None:
        self.journal_dir = journal_dir
        self.calls: list[tuple[str, Any]] = []
        self.files_at_stop: list[str] = []

    def stop_instances(self, InstanceIds: list[str]) -> None:
        self.files_at_stop = [p.read_text() for p in self.journal_dir.rglob("*.py")]
        self.calls.append(("stop", InstanceIds))


def test_a_stop_is_journaled_before_the_sdk_call(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "versions", "run1")
    kube = JournaledClient(SimpleNamespace(), journal, "node_scenarios")  # type: ignore[arg-type]
    fake = FakeEc2(tmp_path / "versions")

    class Provider(AwsProvider):
        def _ec2(self, inst: Instance) -> Any:
            return fake

    inst = Instance("aws", "worker-1", "i-0abc", {"region": "eu-west-3"})
    change = Provider().stop(kube, inst)
    assert fake.calls == [("stop", ["i-0abc"])]
    assert len(fake.files_at_stop) == 1
    data = change.entry.data if change.entry else {}
    assert data["action"] == "start_instance"
    assert data["instance"] == {"provider": "aws", "id": "i-0abc", "region": "eu-west-3"}
    assert data["target"]["name"] == "worker-1"
    assert "'i-0abc'" in fake.files_at_stop[0]
    assert [e.data["action"] for e in kube.pending] == ["start_instance"]
    journal.close()


def test_a_failed_sdk_call_leaves_the_undo_pending(tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "versions", "run2")
    kube = JournaledClient(SimpleNamespace(), journal, "node_scenarios")  # type: ignore[arg-type]

    class Provider(AwsProvider):
        def _stop(self, inst: Instance) -> None:
            raise TimeoutError("connection dropped: unknown whether EC2 stopped it")

    with pytest.raises(TimeoutError):
        Provider().stop(kube, Instance("aws", "w", "i-1", {}))
    assert [e.data["action"] for e in kube.pending] == ["start_instance"]
    journal.close()
