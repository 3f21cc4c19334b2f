"""An undo that needs no cluster (starting a cloud instance, restoring network ACLs) never
connects to the API server: after a zone outage took the API server down, those version
files are the only way back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cloud_fakes import fake_boto3, write_site

from undertow import undo
from undertow.commands.rollback import rollback_execute
from undertow.kube import KubeApi
from undertow.rollback import template
from undertow.rollback.journal import Journal

START_AWS = {
    "action": "start_instance",
    "description": "start aws instance i-1 (node worker-1) stopped by undertow",
    "instance": {"provider": "aws", "id": "i-1", "region": "eu-west-1"},
    "target": {"api_version": "v1", "kind": "Node", "name": "worker-1", "namespace": None},
}


def _api_server_is_down() -> KubeApi:
    raise AssertionError("this undo needs no cluster, yet it connected")


def _record(versions_dir: Path, data: dict[str, object]) -> Path:
    journal = Journal.open(versions_dir, "dead-run")
    entry = journal.record("node_scenarios", data)
    journal.close()  # the run is gone; its file stays pending
    return entry.path


def _run_by_hand(file: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, str(file), "--kubeconfig", str(file.parent / "no-kubeconfig"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_cloud_version_file_run_by_hand_needs_neither_the_cluster_nor_kubernetes(
    tmp_path: Path,
) -> None:
    file = _record(tmp_path / "v", START_AWS)
    site = write_site(tmp_path / "site")
    dry = _run_by_hand(file, site, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would restore: would start aws instance i-1" in dry.stdout
    done = _run_by_hand(file, site)
    assert done.returncode == 0, done.stderr
    assert "restored: started aws instance i-1" in done.stdout


def test_rollback_execute_of_a_cloud_entry_never_connects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3())
    file = _record(tmp_path / "v", START_AWS)
    result = rollback_execute(tmp_path / "v", _api_server_is_down)
    assert result.exit_code == 0
    [outcome] = result.report.outcomes
    assert outcome.outcome == undo.RESTORED
    assert not file.exists()


@pytest.mark.parametrize(
    ("data", "packages"),
    [
        (START_AWS, ["boto3"]),
        ({**START_AWS, "instance": {"provider": "gcp", "id": "n"}}, ["google-cloud-compute"]),
        (
            {**START_AWS, "instance": {"provider": "azure", "id": "n"}},
            ["azure-identity", "azure-mgmt-compute"],
        ),
        ({**START_AWS, "instance": {"provider": "bm", "id": "n"}}, []),
        ({"action": "restore_network_acl", "original_acls": {}}, ["boto3"]),
        ({"action": "delete_created", "target": {"kind": "ConfigMap"}}, ["kubernetes"]),
    ],
)
def test_the_header_says_which_packages_the_undo_needs(
    data: dict[str, object], packages: list[str]
) -> None:
    full = {"format": undo.FORMAT, "run_id": "r", "scenario_type": "s", **data}
    head, _ = template.split(template.render(full))
    listed = ", ".join(f'"{package}"' for package in packages)
    assert (
        f'\n# /// script\n# requires-python = ">=3.10"\n# dependencies = [{listed}]\n# ///\n'
        in head
    )
