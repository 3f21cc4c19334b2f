"""The cloud undo verbs' logic (undertow.undo.cloud), with a fake boto3: idempotent starts,
network ACLs restored only where undertow's ACL is still associated."""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import pytest

from undertow import undo


class FakeEc2:
    def __init__(self, state: str = "stopped") -> None:
        self.state = state
        self.calls: list[tuple[str, Any]] = []
        self.acls: dict[str, str] = {}  # subnet → ACL id
        self.tagged: list[str] = []

    # instances
    def describe_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        return {"Reservations": [{"Instances": [{"State": {"Name": self.state}}]}]}

    def start_instances(self, InstanceIds: list[str]) -> None:
        self.calls.append(("start", InstanceIds))
        self.state = "running"

    def get_waiter(self, name: str) -> Any:
        return SimpleNamespace(wait=lambda **kw: self.calls.append(("wait", name)))

    # network ACLs
    def describe_network_acls(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        f = Filters[0]
        if f["Name"].startswith("tag:"):
            return {"NetworkAcls": [{"NetworkAclId": a} for a in self.tagged]}
        subnet = f["Values"][0]
        acl = self.acls[subnet]
        assoc = {"SubnetId": subnet, "NetworkAclAssociationId": f"assoc-{subnet}"}
        return {"NetworkAcls": [{"NetworkAclId": acl, "Associations": [assoc]}]}

    def replace_network_acl_association(self, AssociationId: str, NetworkAclId: str) -> None:
        self.calls.append(("replace", AssociationId, NetworkAclId))
        self.acls[AssociationId.removeprefix("assoc-")] = NetworkAclId

    def delete_network_acl(self, NetworkAclId: str) -> None:
        self.calls.append(("delete", NetworkAclId))


@pytest.fixture
def ec2(monkeypatch: pytest.MonkeyPatch) -> FakeEc2:
    fake = FakeEc2()
    monkeypatch.setitem(sys.modules, "boto3", SimpleNamespace(client=lambda *a, **kw: fake))
    return fake


def no_cluster() -> Any:
    raise AssertionError("undoing a change outside Kubernetes must not connect to it")


def start_record() -> dict[str, Any]:
    instance = {"provider": "aws", "id": "i-1", "region": "r"}
    return {"format": undo.FORMAT, "action": "start_instance", "instance": instance}


def test_start_instance_starts_a_stopped_one_and_is_idempotent(ec2: FakeEc2) -> None:
    first = undo.undo(no_cluster, start_record())
    assert first.outcome == undo.RESTORED
    assert ec2.calls == [("start", ["i-1"]), ("wait", "instance_running")]
    again = undo.undo(no_cluster, start_record())
    assert again.outcome == undo.ALREADY_RESTORED and len(ec2.calls) == 2
    assert undo.undo(no_cluster, start_record(), dry_run=True).outcome == undo.WOULD_RESTORE


def test_a_terminated_instance_cannot_be_restored(ec2: FakeEc2) -> None:
    ec2.state = "terminated"
    with pytest.raises(undo.UndoError, match="terminated"):
        undo.undo(no_cluster, start_record())


def test_a_missing_sdk_is_an_undo_error_saying_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(undo.UndoError, match="pip install boto3"):
        undo.undo(no_cluster, start_record())


def acl_record(deny: str | None = None) -> dict[str, Any]:
    return {
        "format": undo.FORMAT,
        "action": "restore_network_acl",
        "region": "r",
        "original_acls": {"subnet-a": "acl-a", "subnet-b": "acl-b", "subnet-c": "acl-c"},
        "deny_acl_id": deny,
        "entry_tag": "t0k",
    }


def test_acls_are_restored_only_where_undertows_acl_is_still_there(ec2: FakeEc2) -> None:
    ec2.tagged = ["acl-deny"]
    ec2.acls = {"subnet-a": "acl-deny", "subnet-b": "acl-b", "subnet-c": "acl-someone"}
    result = undo.undo(no_cluster, acl_record())
    assert result.outcome == undo.CONFLICT and "subnet-c" in result.detail
    assert ec2.calls == [("replace", "assoc-subnet-a", "acl-a"), ("delete", "acl-deny")]
    assert ec2.acls == {"subnet-a": "acl-a", "subnet-b": "acl-b", "subnet-c": "acl-someone"}


def test_a_user_supplied_deny_acl_is_swapped_back_but_never_deleted(ec2: FakeEc2) -> None:
    ec2.acls = {"subnet-a": "acl-user", "subnet-b": "acl-user", "subnet-c": "acl-c"}
    assert undo.undo(no_cluster, acl_record("acl-user")).outcome == undo.RESTORED
    assert ("delete", "acl-user") not in ec2.calls
    assert ec2.acls == {"subnet-a": "acl-a", "subnet-b": "acl-b", "subnet-c": "acl-c"}
    assert undo.undo(no_cluster, acl_record("acl-user")).outcome == undo.ALREADY_RESTORED
