"""Command lines and node manifests (pure data)."""

from __future__ import annotations

import json
from pathlib import Path

from undertow.cluster.build import Binaries
from undertow.cluster.components import ORDER, Ports, audit_log, plan
from undertow.cluster.nodes import ZONE_LABEL, node_manifest, zone_name
from undertow.cluster.pki import Pki
from undertow.cluster.state import StateDir

PORTS = Ports(
    etcd=1001, etcd_peer=1002, apiserver=1003, controller_manager=1004, scheduler=1005, kwok=1006
)


def test_every_listener_is_on_loopback_with_its_port(tmp_path: Path) -> None:
    planned = plan(
        Binaries(tmp_path / "k8s"), StateDir(tmp_path / "state"), Pki(tmp_path / "pki"), PORTS
    )
    assert [c.name for c in planned] == list(ORDER)
    for component in planned:
        argv = " ".join(component.argv)
        assert "0.0.0.0" not in argv
        assert str(component.port) in argv
        assert component.health_url.startswith(("http://127.0.0.1:", "https://127.0.0.1:"))
    apiserver = next(c for c in planned if c.name == "kube-apiserver")
    assert "--advertise-address=127.0.0.1" in apiserver.argv
    assert "--authorization-mode=Node,RBAC" in apiserver.argv
    assert apiserver.verify_with_ca


def test_extra_args_are_appended(tmp_path: Path) -> None:
    planned = plan(
        Binaries(tmp_path / "k8s"),
        StateDir(tmp_path / "state"),
        Pki(tmp_path / "pki"),
        PORTS,
        {"kube-scheduler": ["--bogus"]},
    )
    scheduler = next(c for c in planned if c.name == "kube-scheduler")
    assert scheduler.argv[-1] == "--bogus"
    assert scheduler.files  # its KubeSchedulerConfiguration


def test_nodes_round_robin_over_zones() -> None:
    zones = [node_manifest(i, 3)["metadata"]["labels"][ZONE_LABEL] for i in range(6)]
    assert zones == ["zone-a", "zone-b", "zone-c", "zone-a", "zone-b", "zone-c"]
    assert zone_name(30, 40) == "zone-30"
    manifest = node_manifest(4, 3)
    assert manifest["spec"]["providerID"] == "kwok://kwok-node-4"
    assert manifest["metadata"]["annotations"] == {"kwok.x-k8s.io/node": "fake"}


def test_the_api_server_audits_mutations_into_the_state_dir(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "state")
    planned = plan(Binaries(tmp_path / "k8s"), state, Pki(tmp_path / "pki"), PORTS)
    apiserver = next(c for c in planned if c.name == "kube-apiserver")
    assert f"--audit-log-path={audit_log(state)}" in apiserver.argv
    assert audit_log(state).parent == state.log("kube-apiserver").parent
    [policy_flag] = [a for a in apiserver.argv if a.startswith("--audit-policy-file=")]
    policy = json.loads(apiserver.files[policy_flag.split("=", 1)[1]])
    mutating = next(r for r in policy["rules"] if r["level"] == "Metadata")
    assert set(mutating["verbs"]) == {"create", "update", "patch", "delete", "deletecollection"}
    assert policy["rules"][-1] == {"level": "None"}  # reads are not logged
