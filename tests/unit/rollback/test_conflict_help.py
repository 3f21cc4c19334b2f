"""A conflict's explanation: what undertow set, what is there now, and commands a person can
paste to inspect the object, force the original value back, and close the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from undertow.rollback.conflict import explain
from undertow.rollback.entry import JournalEntry
from undertow.rollback.naming import VersionName

FILE = Path("/v/1-run/node_scenarios_1_abcdefgh.py")


def entry(api_version: str, kind: str, namespace: str | None, fields: list[Any]) -> JournalEntry:
    data = {
        "action": "restore_fields",
        "description": "restore fields",
        "target": {
            "api_version": api_version,
            "kind": kind,
            "name": "w1",
            "namespace": namespace,
            "uid": "u",
        },
        "fields": fields,
    }
    return JournalEntry(FILE, VersionName("node_scenarios", 1, "abcdefgh", False), "run", data)


def field(path: str, original: Any, set_to: Any) -> dict[str, Any]:
    return {
        "path": path,
        "original_present": original is not None,
        "original": original,
        "set_present": True,
        "set": set_to,
    }


def test_a_changed_field_shows_both_values_and_the_patch_that_restores_it() -> None:
    cordoned = entry("v1", "Node", None, [field("/spec/unschedulable", None, True)])
    lines = explain(cordoned, {"spec": {"unschedulable": False}})
    assert lines == [
        "/spec/unschedulable: undertow set true, found false (before undertow: absent)",
        "inspect: kubectl get node w1 -o yaml",
        "force the original back: kubectl patch node w1 --type=json "
        """-p '[{"op": "remove", "path": "/spec/unschedulable"}]'""",
        f"then: undertow rollback execute --file {FILE} (it finds the object as it was and "
        "marks the file executed)",
    ]


def test_a_grouped_kind_is_named_as_kubectl_takes_it_and_originals_are_added_back() -> None:
    scaled = entry("apps/v1", "Deployment", "shop", [field("/spec/replicas", 3, 0)])
    lines = explain(scaled, {"spec": {"replicas": 5}})
    assert lines[0] == "/spec/replicas: undertow set 0, found 5 (before undertow: 3)"
    assert lines[1] == "inspect: kubectl get deployment.v1.apps w1 -n shop -o yaml"
    assert lines[2] == (
        "force the original back: kubectl patch deployment.v1.apps w1 -n shop --type=json "
        """-p '[{"op": "add", "path": "/spec/replicas", "value": 3}]'"""
    )


def test_fields_still_undertows_or_already_original_are_not_listed() -> None:
    both = entry(
        "v1",
        "ConfigMap",
        "ns",
        [field("/metadata/labels/a", None, "x"), field("/metadata/labels/b", "o", "x")],
    )
    lines = explain(both, {"metadata": {"labels": {"a": "x", "b": "other"}}})
    assert lines[0] == '/metadata/labels/b: undertow set "x", found "other" (before undertow: "o")'
    assert not any(line.startswith("/metadata/labels/a") for line in lines)


def test_an_object_gone_meanwhile_is_said_so() -> None:
    cordoned = entry("v1", "Node", None, [field("/spec/unschedulable", None, True)])
    assert "kubectl get node w1: not found now" in explain(cordoned, None)


def test_an_aws_acl_conflict_names_the_original_acls_and_how_to_look() -> None:
    data = {
        "action": "restore_network_acl",
        "description": "restore ACLs",
        "target": {"api_version": "v1", "kind": "Node", "name": "w1", "namespace": None},
        "region": "eu-west-1",
        "original_acls": {"subnet-1": "acl-a", "subnet-2": "acl-b"},
        "deny_acl_id": None,
        "entry_tag": "e",
    }
    acl = JournalEntry(FILE, VersionName("zone_outages_scenarios", 1, "abcdefgh", False), "r", data)
    assert explain(acl, None)[:2] == [
        "the subnets had these network ACLs before undertow: subnet-1: acl-a, subnet-2: acl-b",
        "inspect: aws ec2 describe-network-acls --region eu-west-1 "
        "--filters Name=association.subnet-id,Values=subnet-1,subnet-2",
    ]
