"""The cluster copy's pure parts: where an entry goes, how a copy is read back."""

from __future__ import annotations

import base64
import json

from undertow.rollback.cluster_copy import (
    _parse_run,
    copy_name,
    entry_path,
    kind_for,
    shard_name,
)
from undertow.runner.lease import LeaseState

KEY = "sleep_scenarios_1700000000000000000_abcdefgh.py"


def test_snapshots_and_secrets_go_to_the_secret_the_rest_to_the_config_map() -> None:
    assert kind_for({"action": "delete_created", "target": {"kind": "Pod"}}) == "ConfigMap"
    assert kind_for({"action": "recreate_deleted", "snapshot": {}, "target": {}}) == "Secret"
    assert kind_for({"action": "restore_fields", "target": {"kind": "Secret"}}) == "Secret"


def test_the_copy_is_named_after_its_run_as_a_valid_object_name() -> None:
    assert copy_name("3F2A_b.c") == "undertow-journal-3f2a-b-c"
    assert shard_name("3F2A_b.c", 0) == "undertow-journal-3f2a-b-c"
    assert shard_name("3F2A_b.c", 2) == "undertow-journal-3f2a-b-c-3"
    assert len(shard_name("x" * 300, 11)) == 253 and shard_name("x" * 300, 11).endswith("x-12")


def test_a_copy_reads_back_pending_entries_and_refuses_what_is_not_a_record() -> None:
    record = {"format": 1, "run_id": "r1", "action": "delete_created"}
    config_map = {
        "metadata": {"name": "undertow-journal-r1", "resourceVersion": "7"},
        "data": {
            KEY: json.dumps(record),
            KEY.replace("abcdefgh", "zzzzzzzz") + ".executed": json.dumps(record),
            KEY.replace("abcdefgh", "yyyyyyyy"): json.dumps({**record, "run_id": "other"}),
            "not-a-version-file": "x",
        },
    }
    secret = {
        "metadata": {"name": "undertow-journal-r1", "resourceVersion": "8"},
        "data": {
            KEY.replace("abcdefgh", "ssssssss"): base64.b64encode(
                json.dumps({**record, "snapshot": {}}).encode()
            ).decode()
        },
    }
    run = _parse_run("ns", "r1", [("ConfigMap", config_map), ("Secret", secret)])
    assert sorted(e.name.suffix for e in run.pending) == ["abcdefgh", "ssssssss"]
    assert run.executed == 1
    assert len(run.refused) == 1 and "not an undo record of run r1" in run.refused[0]
    assert run.objects == [("ConfigMap", "undertow-journal-r1"), ("Secret", "undertow-journal-r1")]
    assert str(entry_path("ns", "Secret", "c", KEY)) == f"secret/ns/c/{KEY}"


def test_a_lease_is_fresh_until_renew_time_plus_its_duration() -> None:
    lease = LeaseState.of(
        {
            "metadata": {"name": "undertow-run-r1", "resourceVersion": "3"},
            "spec": {
                "holderIdentity": "h/1",
                "leaseDurationSeconds": 5,
                "renewTime": "2026-01-01T00:00:00.000000Z",
            },
        }
    )
    start = 1767225600.0
    assert lease.fresh(start + 4.9)
    assert not lease.fresh(start + 5.1)
