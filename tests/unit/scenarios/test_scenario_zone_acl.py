"""AWS zone outage: the ACL swap is journaled before AWS is touched (fake EC2 client)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from undertow.rollback.client import JournaledClient
from undertow.rollback.journal import Journal
from undertow.scenarios.providers.aws_acl import cut_off


class FakeEc2:
    meta = SimpleNamespace(region_name="eu-west-3")

    def __init__(self, versions: Path) -> None:
        self.versions = versions
        self.calls: list[tuple[Any, ...]] = []
        self.journaled_first: list[bool] = []

    def _seen(self) -> None:
        self.journaled_first.append(any(self.versions.rglob("*.py")))

    def describe_network_acls(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "NetworkAcls": [
                {
                    "NetworkAclId": f"acl-{s}",
                    "Associations": [{"SubnetId": s, "NetworkAclAssociationId": f"as-{s}"}],
                }
                for s in Filters[0]["Values"]
            ]
        }

    def create_network_acl(self, VpcId: str, TagSpecifications: list[Any]) -> dict[str, Any]:
        self._seen()
        tags = {t["Key"]: t["Value"] for t in TagSpecifications[0]["Tags"]}
        self.calls.append(("create", VpcId, tags))
        return {"NetworkAcl": {"NetworkAclId": "acl-deny"}}

    def replace_network_acl_association(self, AssociationId: str, NetworkAclId: str) -> None:
        self._seen()
        self.calls.append(("replace", AssociationId, NetworkAclId))


def client(tmp_path: Path) -> JournaledClient:
    journal = Journal.open(tmp_path / "v", "run")
    return JournaledClient(SimpleNamespace(), journal, "zone_outages_scenarios")  # type: ignore[arg-type]


def test_the_swap_is_journaled_first_and_the_created_acl_is_tagged(tmp_path: Path) -> None:
    ec2 = FakeEc2(tmp_path / "v")
    change = cut_off(client(tmp_path), "vpc-1", ["s1", "s2"], ec2=ec2)
    assert ec2.journaled_first == [True, True, True]
    data = change.entry.data if change.entry else {}
    assert data["original_acls"] == {"s1": "acl-s1", "s2": "acl-s2"}
    assert data["region"] == "eu-west-3" and data["deny_acl_id"] is None
    create = ec2.calls[0]
    assert create[:2] == ("create", "vpc-1")
    assert create[2]["undertow.io/entry"] == data["entry_tag"]
    assert ec2.calls[1:] == [("replace", "as-s1", "acl-deny"), ("replace", "as-s2", "acl-deny")]


def test_a_user_supplied_deny_acl_is_used_as_is(tmp_path: Path) -> None:
    ec2 = FakeEc2(tmp_path / "v")
    change = cut_off(client(tmp_path), "vpc-1", ["s1"], "acl-user", ec2=ec2)
    assert ec2.calls == [("replace", "as-s1", "acl-user")]
    assert change.entry is not None and change.entry.data["deny_acl_id"] == "acl-user"
