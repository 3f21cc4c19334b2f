"""AWS zone outage, Krkn's way: the zone's subnets get a deny-all network ACL for a while.

Journaled before anything changes (`restore_network_acl`): the subnets' original ACLs, the
deny ACL given by the user (`default_acl_id`, never deleted) and a tag that marks the deny
ACL undertow creates. The undo puts each original ACL back where undertow's is still
associated and deletes the created ACL, so a killed run is repaired by
`undertow rollback execute` (Krkn leaves the zone cut off).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from undertow.errors import ScenarioError
from undertow.kube.refs import ObjectRef
from undertow.rollback.client import Change, JournaledClient
from undertow.undo.cloud import ec2_client
from undertow.undo.labels import ENTRY_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE
from undertow.undo.outcome import UndoError
from undertow.undo.records import RestoreNetworkAcl


def _ec2() -> Any:
    try:
        return ec2_client(None)
    except UndoError as exc:
        raise ScenarioError(f"the aws zone outage: {exc}") from exc


def current_acls(ec2: Any, subnets: Sequence[str]) -> dict[str, tuple[str, str]]:
    """subnet → (association id, network ACL id) as AWS has them now."""
    found: dict[str, tuple[str, str]] = {}
    where = {"Name": "association.subnet-id", "Values": list(subnets)}
    for acl in ec2.describe_network_acls(Filters=[where])["NetworkAcls"]:
        for assoc in acl.get("Associations", []):
            if assoc.get("SubnetId") in subnets:
                found[assoc["SubnetId"]] = (assoc["NetworkAclAssociationId"], acl["NetworkAclId"])
    missing = sorted(set(subnets) - set(found))
    if missing:
        raise ScenarioError(f"no network ACL association found for subnets {missing}")
    return found


def cut_off(
    kube: JournaledClient,
    vpc_id: str,
    subnets: Sequence[str],
    deny_acl_id: str = "",
    ec2: Any = None,
) -> Change:
    """Associate a deny-all ACL with every subnet; the returned change's undo restores them."""
    ec2 = ec2 or _ec2()
    before = current_acls(ec2, subnets)
    tag = secrets.token_hex(8)
    record: RestoreNetworkAcl = {
        "action": "restore_network_acl",
        "description": f"restore the network ACLs of subnets {', '.join(subnets)}",
        "region": str(ec2.meta.region_name or ""),
        "original_acls": {subnet: acl for subnet, (_, acl) in before.items()},
        "deny_acl_id": deny_acl_id or None,
        "entry_tag": tag,
    }

    def apply() -> None:
        deny = deny_acl_id
        if not deny:
            tags = [
                {"Key": ENTRY_LABEL, "Value": tag},
                {"Key": MANAGED_BY_LABEL, "Value": MANAGED_BY_VALUE},
                {"Key": "Name", "Value": f"undertow-zone-outage-{tag}"},
            ]
            created = ec2.create_network_acl(
                VpcId=vpc_id,
                TagSpecifications=[{"ResourceType": "network-acl", "Tags": tags}],
            )
            deny = created["NetworkAcl"]["NetworkAclId"]  # a new ACL denies all traffic
        for association, _ in before.values():
            ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=deny)

    where = ObjectRef("ec2.amazonaws.com", "NetworkAclAssociation", ",".join(subnets))
    return kube.external(where, record, apply)
