"""`undertow run --dry-run` says what the run would refuse, and exits as the run would.

Against the local cluster: a pod_disruption file aimed at a protected namespace (undertow's
own, here the test's namespace) and one selecting 3 pods under `max_targets: 1` each get a
`refused:` plan line naming the field and the reason; the dry run exits 1, as the real run
of the same file does, and nothing in the namespace changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

PODS = 3


def _web_pods(api_client: Any, namespace: str) -> dict[str, str]:
    from kubernetes import client

    pods = client.CoreV1Api(api_client).list_namespaced_pod(namespace, label_selector="app=web")
    return {
        p.metadata.name: p.metadata.uid
        for p in pods.items
        if p.status.phase == "Running" and not p.metadata.deletion_timestamp
    }


@pytest.fixture
def web(api_client: Any, namespace: str) -> dict[str, str]:
    """Three Running `app=web` pods in the test namespace; their names and uids."""
    from kubernetes import client

    pod = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "web", "image": "nginx:1.27"}],
        },
    }
    core = client.CoreV1Api(api_client)
    for n in range(PODS):
        core.create_namespaced_pod(
            namespace, {**pod, "metadata": {**pod["metadata"], "name": f"web-{n}"}}
        )
    deadline = time.monotonic() + 60
    while len(found := _web_pods(api_client, namespace)) < PODS:
        assert time.monotonic() < deadline, found
        time.sleep(0.3)
    return found


def _undertow(
    tmp_path: Path, kubeconfig: str, *, spec: str, config: str, dry_run: bool
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "s.yaml").write_text(spec)
    (tmp_path / "config.yaml").write_text(
        f"scenarios:\n  - pod_disruption_scenarios: [s.yaml]\ntunings: {{wait_duration: 0}}\n"
        f"{config}"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
    command = [sys.executable, "-m", "undertow", "run", "-c", "config.yaml"]
    return subprocess.run(
        [*command, "--kubeconfig", kubeconfig, *(["--dry-run"] if dry_run else [])],
        cwd=tmp_path,
        env={**clean, "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _spec(namespace: str, kill: int) -> str:
    return (
        "- id: kill-pods\n  config:\n"
        f"    namespace_pattern: ^{namespace}$\n    label_selector: app=web\n    kill: {kill}\n"
        "    krkn_pod_recovery_time: 5\n"
    )


def test_a_protected_namespace_is_refused_in_the_plan(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, web: dict[str, str]
) -> None:
    spec, config = _spec(namespace, 1), f"heartbeat: {{namespace: {namespace}}}\n"
    planned = _undertow(tmp_path, kubeconfig, spec=spec, config=config, dry_run=True)
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert (
        f"[0] refused: at [0].config: the selection (pods matching namespace ~ ^{namespace}$, "
        f"label app=web) reaches the protected namespace {namespace}"
    ) in planned.stdout
    assert "dry run: nothing was changed; 1 scenario file(s) would be refused" in planned.stdout
    assert _web_pods(api_client, namespace) == web
    ran = _undertow(tmp_path, kubeconfig, spec=spec, config=config, dry_run=False)
    assert ran.returncode == planned.returncode, ran.stdout + ran.stderr
    said = " ".join((ran.stdout + ran.stderr).split())  # the summary table wraps its cells
    assert "s.yaml at [0].config: the selection" in said, ran.stdout
    assert "reaches the protected namespace" in said
    assert _web_pods(api_client, namespace) == web


def test_more_pods_than_max_targets_are_refused_in_the_plan(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, web: dict[str, str]
) -> None:
    spec, config = _spec(namespace, PODS), "max_targets: 1\n"
    planned = _undertow(tmp_path, kubeconfig, spec=spec, config=config, dry_run=True)
    assert planned.returncode == 1, planned.stdout + planned.stderr
    assert (
        f"[0] refused: at [0].config: {PODS} targets selected, more than max_targets 1"
    ) in planned.stdout
    assert "Traceback" not in planned.stderr
    assert _web_pods(api_client, namespace) == web
