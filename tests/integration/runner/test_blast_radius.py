"""Blast radius: protected namespaces and `max_targets`.

Protected namespaces are never a scenario's target unless the config allows them.

Real `undertow run`s of the test plugin aim a change at kube-public (the cluster's own) and
at undertow's own namespace (the heartbeat's, here the test's namespace): each scenario is
refused before any change (exit 1, as a selection matching nothing is), no version file is
written, and the object is untouched. With `allow_protected_namespaces` naming the namespace,
the same change is made and undone. A node scenario selecting every kwok node with
`max_targets` below their number is refused before any node is touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ALLOWED = "kube-public"


def _run(
    tmp_path: Path,
    kubeconfig: str,
    spec: str,
    *,
    own_namespace: str,
    allow: str = "",
    scenario_type: str = "sleep_scenarios",
    extra: str = "",
) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
    """Run one scenario file; returns the run and the version files it left."""
    (tmp_path / "s.yaml").write_text(spec)
    allowed = f"allow_protected_namespaces: [{allow}]\n" if allow else ""
    (tmp_path / "config.yaml").write_text(
        f"scenarios:\n  - {scenario_type}: [s.yaml]\ntunings: {{wait_duration: 0}}\n"
        f"heartbeat: {{namespace: {own_namespace}}}\n{allowed}{extra}"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
    state = tmp_path / "state"
    done = subprocess.run(
        [sys.executable, "-m", "undertow", "run", "-c", "config.yaml", "--kubeconfig", kubeconfig],
        cwd=tmp_path,
        env={**clean, "XDG_STATE_HOME": str(state), "COLUMNS": "400"},  # one line a message
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, [p for p in state.rglob("*.py*") if p.is_file()]


def _labels(api_client: Any, namespace: str, name: str) -> dict[str, str]:
    from kubernetes import client

    found = client.CoreV1Api(api_client).read_namespaced_config_map(name, namespace)
    return dict(found.metadata.labels or {})


def _ours(api_client: Any, namespace: str) -> list[str]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_config_map(
        namespace, label_selector="app.kubernetes.io/managed-by=undertow"
    )
    return [i.metadata.name for i in items.items]


def test_a_change_in_the_clusters_namespace_is_refused_before_it_is_made(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    before = _labels(api_client, "kube-public", "kube-root-ca.crt")
    spec = (
        "sleep:\n  duration: 0\n  configmap_namespace: kube-public\n"
        "  create_configmap: false\n  label_configmap: kube-root-ca.crt\n"
    )
    done, files = _run(tmp_path, kubeconfig, spec, own_namespace=namespace)
    assert done.returncode == 1, done.stderr
    assert "refused: ConfigMap kube-public/kube-root-ca.crt is in the protected namespace" in (
        done.stdout + done.stderr
    )
    assert "Traceback" not in done.stderr
    assert files == []
    assert _labels(api_client, "kube-public", "kube-root-ca.crt") == before


def test_a_change_in_undertows_own_namespace_is_refused(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    spec = f"sleep:\n  duration: 0\n  configmap_namespace: {namespace}\n"
    done, files = _run(tmp_path, kubeconfig, spec, own_namespace=namespace)
    assert done.returncode == 1, done.stderr
    assert f"is in the protected namespace {namespace}" in done.stdout + done.stderr
    assert files == []
    assert _ours(api_client, namespace) == []


def test_a_namespace_the_config_allows_is_a_target(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    before = _labels(api_client, ALLOWED, "kube-root-ca.crt")
    spec = (
        f"sleep:\n  duration: 0\n  configmap_namespace: {ALLOWED}\n"
        "  create_configmap: false\n  label_configmap: kube-root-ca.crt\n  outcome: fail\n"
    )
    done, files = _run(tmp_path, kubeconfig, spec, own_namespace=namespace, allow=ALLOWED)
    assert done.returncode == 1, done.stderr  # told to fail: the label is rolled back
    assert "protected namespace" not in done.stdout + done.stderr
    assert [f.suffix for f in files] == [".executed"]
    assert _labels(api_client, ALLOWED, "kube-root-ca.crt") == before


def _nodes(api_client: Any) -> dict[str, Any]:
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_node(label_selector="type=kwok").items
    return {
        n.metadata.name: (bool(n.spec.unschedulable), sorted(t.key for t in n.spec.taints or []))
        for n in items
    }


def test_a_selection_over_max_targets_is_refused_before_any_change(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    before = _nodes(api_client)
    cap = len(before) - 1
    spec = (
        "node_scenarios:\n  - actions: [node_cordon_scenario]\n    label_selector: type=kwok\n"
        "    instance_count: 0\n    duration: 1\n    cloud_type: local\n"
    )
    done, files = _run(
        tmp_path,
        kubeconfig,
        spec,
        own_namespace=namespace,
        scenario_type="node_scenarios",
        extra=f"max_targets: {cap}\n",
    )
    assert done.returncode == 1, done.stderr
    assert f"targets selected, more than max_targets {cap}" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert files == []
    assert _nodes(api_client) == before
