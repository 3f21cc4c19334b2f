"""Real scenarios through an API server that fails: 5xx, 429, resets, lost answers, slowness.

Each case runs `undertow run` through the fault proxy (api_fault_proxy.py) at a fault rate,
then `undertow rollback execute` through the proxy, then `rollback execute` directly. It
proves:

- the run ends cleanly: an exit code of undertow's table (0, 1, 2 or 3), no traceback;
- each `rollback execute` runs exactly the entries still pending, each once (its summary
  counts them), so no entry is undone twice;
- after the direct `rollback execute` (exit 0) nothing is pending and the snapshot of what
  the scenario touches equals the one from before the run.

Each case records `reliability` properties in the JUnit XML (scenario, fault rate, faults
injected, requests, run exit code, restored) for scripts/reliability_report.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_fault_proxy import FAULTS, MUTATIONS, FaultProxy
from crash_cell import executed_count
from kwok_nodes import tainted_node

from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback import directory

pytestmark = pytest.mark.timeout(400)

RATES = {
    "all-10%": (0.1, None, FAULTS),
    "all-30%": (0.3, None, FAULTS),
    "all-50%": (0.5, None, FAULTS),
    "mutations-50%": (0.5, MUTATIONS, FAULTS),
    "mutations-answer-lost": (1.0, MUTATIONS, ("reset_after",)),
}
"""Fault rates: over every request, or over the mutating ones only (create, update, patch,
delete: the run's changes and their undos, where a lost answer leaves an entry pending);
the last applies every mutation and then drops its answer."""
GROUP_LABEL = "undertow.io/test-nodes"
MANAGED = "app.kubernetes.io/managed-by=undertow"


def deployment(name: str, replicas: int, tolerate: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "tolerations": [{"key": GROUP_LABEL, "operator": "Exists"}],
                    "nodeSelector": {GROUP_LABEL: tolerate},
                    "containers": [{"name": "web", "image": "nginx:1.27"}],
                },
            },
        },
    }


def wait_for(what: str, check: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)


def ready(api: KubeApi, namespace: str, name: str, replicas: int) -> bool:
    found = api.get(ObjectRef("apps/v1", "Deployment", name, namespace))
    return bool(found) and (found.get("status") or {}).get("readyReplicas") == replicas


class Setting:
    """A namespace with a 2-pod Deployment on a kwok node of its own (tainted for it)."""

    def __init__(self, api: KubeApi, namespace: str) -> None:
        self.api, self.namespace = api, namespace
        self.group = namespace
        self.node = f"fault-{uuid.uuid4().hex[:6]}"
        mutate.create(api, tainted_node(self.node, GROUP_LABEL, self.group, f"zone-{self.group}"))
        mutate.create(
            api,
            {
                **deployment("web", 2, self.group),
                "metadata": {"name": "web", "namespace": namespace},
            },
        )
        wait_for("the web pods", lambda: ready(api, namespace, "web", 2))

    def remove(self) -> None:
        mutate.delete(self.api, ObjectRef("v1", "Node", self.node))

    def snapshot(self) -> dict[str, Any]:
        """What the scenarios touch, without what controllers change on their own."""
        node = self.api.get(ObjectRef("v1", "Node", self.node)) or {}
        web = self.api.get(ObjectRef("apps/v1", "Deployment", "web", self.namespace)) or {}
        return {
            "node_unschedulable": node.get("spec", {}).get("unschedulable", False),
            "node_taints": sorted(
                json.dumps(t, sort_keys=True)
                for t in node.get("spec", {}).get("taints") or []
                if not t["key"].startswith("node.kubernetes.io/")
            ),
            "node_labels": node.get("metadata", {}).get("labels"),
            "web_replicas": web.get("spec", {}).get("replicas"),
            "network_policies": [
                p["metadata"]["name"]
                for p in self.api.list("networking.k8s.io/v1", "NetworkPolicy", self.namespace)
            ],
            "undertow_objects": [
                f"{kind} {o['metadata']['name']}"
                for version, kind in (("v1", "Pod"), ("v1", "ConfigMap"))
                for o in self.api.list(version, kind, self.namespace, label_selector=MANAGED)
                if not o["metadata"].get("deletionTimestamp")
            ],
        }


SCENARIOS: dict[str, tuple[str, Callable[[Setting], str]]] = {
    "pod_kill": (
        "pod_disruption_scenarios",
        lambda s: (
            f"- id: kill-pods\n  config:\n    namespace_pattern: ^{s.namespace}$\n"
            "    label_selector: app=web\n    kill: 1\n    krkn_pod_recovery_time: 30\n"
        ),
    ),
    "application_outage": (
        "application_outages_scenarios",
        lambda s: (
            f"application_outage:\n  namespace: {s.namespace}\n"
            "  pod_selector: {app: web}\n  block: [Ingress, Egress]\n  duration: 2\n"
        ),
    ),
    "node_cordon_taint": (
        "node_scenarios",
        lambda s: (
            "node_scenarios:\n  - actions: [node_cordon_scenario, node_taint_scenario]\n"
            f"    label_selector: {GROUP_LABEL}={s.group}\n    instance_count: 1\n"
            "    duration: 2\n    timeout: 30\n    cloud_type: local\n"
            '    taints: ["undertow.io/chaos=fault:NoSchedule"]\n'
        ),
    ),
}


@pytest.fixture
def setting(api: KubeApi, namespace: str) -> Iterator[Setting]:
    made = Setting(api, namespace)
    try:
        yield made
    finally:
        made.remove()


def undertow(tmp: Path, kubeconfig: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
    return subprocess.run(
        [sys.executable, "-m", "undertow", *args, "--kubeconfig", str(kubeconfig)],
        cwd=tmp,
        env={**env, "XDG_STATE_HOME": str(tmp / "state")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def pending(versions: Path) -> list[Path]:
    return sorted(f.path for run in directory.list_runs(versions) for f in run.pending)


@pytest.mark.parametrize("faulted", list(RATES))
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_run_through_api_faults_then_rollback_restores(
    scenario: str,
    faulted: str,
    setting: Setting,
    kubeconfig: str,
    tmp_path: Path,
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    scenario_type, spec = SCENARIOS[scenario]
    (tmp_path / "s.yaml").write_text(spec(setting))
    (tmp_path / "config.yaml").write_text(f"scenarios:\n  - {scenario_type}: [s.yaml]\n")
    versions = tmp_path / "versions"
    before = setting.snapshot()

    rate, methods, faults = RATES[faulted]
    seed = zlib.crc32(f"{scenario}-{faulted}".encode())
    proxy = FaultProxy(kubeconfig, rate=rate, seed=seed, methods=methods, faults=faults)
    with proxy.start(tmp_path):
        run = undertow(
            tmp_path, proxy.kubeconfig, "run", "-c", "config.yaml", "--versions-dir", str(versions)
        )
        assert run.returncode in (0, 1, 2, 3), run.stdout + run.stderr
        assert "Traceback" not in run.stdout + run.stderr
        left = pending(versions)
        through = undertow(
            tmp_path,
            proxy.kubeconfig,
            "rollback",
            "execute",
            "--yes",
            "--versions-dir",
            str(versions),
        )
        assert through.returncode in (0, 2, 3), through.stdout + through.stderr
        assert "Traceback" not in through.stdout + through.stderr
        if left and through.returncode != 2:
            assert executed_count(through) == len(left), through.stdout
    still = pending(versions)
    assert set(still) <= set(left)
    direct = undertow(
        tmp_path, kubeconfig, "rollback", "execute", "--yes", "--versions-dir", str(versions)
    )
    assert direct.returncode == 0, direct.stdout + direct.stderr
    if still:
        assert executed_count(direct) == len(still), direct.stdout
    assert pending(versions) == []
    wait_for("the snapshot from before the run", lambda: setting.snapshot() == before, 60)
    wait_for("the web pods", lambda: ready(setting.api, setting.namespace, "web", 2))

    record_testsuite_property(
        "reliability",
        json.dumps(
            {
                "section": "api_faults",
                "scenario": scenario,
                "rate": rate,
                "requests_faulted": "mutating" if methods else "all",
                "faults_chosen": "all kinds" if faults == FAULTS else ", ".join(faults),
                "requests": proxy.counts["requests"],
                "faults": proxy.injected,
                "run_exit": run.returncode,
                "pending_after_run": len(left),
                "pending_after_proxied_rollback": len(still),
            }
        ),
    )
