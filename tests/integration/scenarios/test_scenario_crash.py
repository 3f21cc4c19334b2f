"""SIGKILL of a real `undertow run` mid-scenario, then `undertow rollback execute`.

For each Kubernetes-level scenario type: the run is started as a user would start it, killed
with SIGKILL once its change is observed through the API (nothing in the process can react),
the change is checked to be still there with its version files pending, and `undertow rollback
execute` must then put back everything undertow touched: no undertow-labelled object left, the
Service selectors, node taints and cordons as before, deleted objects recreated where the
scenario asked for restore (objects, or a whole namespace). Stopped nodes and zones
(node_scenarios with a provider action, zone_outages_scenarios) are covered the same way in
test_scenario_node_crash.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from scenario_harness import MANAGED, cluster_state, ready_pods, wait_for
from scenario_nodes import ChaosNodes, chaos_nodes, pods_on, workload
from scenario_workloads import apply, deployment, service

from undertow import errors
from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback import directory
from undertow.rollback.directory import ListedFile
from undertow.scenarios.builtin import BUILTIN_SCENARIOS
from undertow.undo.labels import HIJACKER_LABEL

pytestmark = pytest.mark.timeout(120)

CHAOS_SECONDS = 30
"""Long enough that the kill always lands mid-scenario."""
HOLD_FINALIZER = "undertow.io/test-hold"

CRASH_TESTED_HERE = {
    "pod_disruption_scenarios",
    "application_outages_scenarios",
    "service_hijacking_scenarios",
    "service_disruption_scenarios",
    "node_scenarios",
    "hog_scenarios",
    "syn_flood_scenarios",
    "http_load_scenarios",
}
CRASH_TESTED_IN_NODE_MODULE = {"node_scenarios", "zone_outages_scenarios"}
CRASH_TESTED_ON_THE_REAL_NODE = {
    "pvc_scenarios": ("test_real_storage.py", "test_a_killed_fill_is_removed_by_rollback"),
    "storage_throttle_scenarios": (
        "test_real_io_throttle.py",
        "test_a_killed_throttle_is_written_back_by_rollback",
    ),
    "network_chaos_ng_scenarios": (
        "test_real_network.py",
        "test_a_run_killed_mid_filter_is_rolled_back_by_rollback_execute",
    ),
    "pod_network_scenarios": (
        "test_real_network_legacy.py",
        "test_a_killed_pod_network_outage_is_rolled_back_by_rollback_execute",
    ),
}
"""Types whose change lives in a container, a cgroup or a network namespace: killed
mid-fault on the real node (tests/integration/realnode), then `rollback execute`."""
NOT_CRASH_TESTED = {
    "time_scenarios": "its only change moves a node's own clock; every node here shares this "
    "machine's clock and is refused before any change (tests/integration/realnode/"
    "test_real_clock.py); the clock pod's undo is tested against a stand-in `date`",
    "network_chaos_scenarios": "its only change is on node interfaces; every node here "
    "shares this machine's network namespace and is refused before any change (tests/"
    "integration/realnode/test_real_network_legacy.py); it runs as network_chaos_ng node "
    "modules, the same helper and journaled undo whose SIGKILL test is on the real node",
}
NOTHING_TO_ROLL_BACK = {
    "container_scenarios": "a signal to a container is a record, not an undo: the kubelet "
    "restarts the container (proven on the real node, tests/integration/realnode)",
}


def test_every_builtin_scenario_type_has_a_sigkill_test() -> None:
    assert set(BUILTIN_SCENARIOS) == (
        CRASH_TESTED_HERE
        | CRASH_TESTED_IN_NODE_MODULE
        | set(CRASH_TESTED_ON_THE_REAL_NODE)
        | set(NOT_CRASH_TESTED)
        | set(NOTHING_TO_ROLL_BACK)
    )
    node_module = (Path(__file__).parent / "test_scenario_node_crash.py").read_text()
    assert all(t in node_module for t in CRASH_TESTED_IN_NODE_MODULE)
    real_node = Path(__file__).parents[1] / "realnode"
    for module, test in CRASH_TESTED_ON_THE_REAL_NODE.values():
        assert f"def {test}(" in (real_node / module).read_text(), (module, test)


# --- driving the real command ------------------------------------------------------------


class Run:
    """One `undertow run` process on a scenario file, and the rollback that follows its kill."""

    def __init__(self, tmp_path: Path, kubeconfig: str, scenario_type: str, body: Any) -> None:
        self.tmp = tmp_path
        self.kubeconfig = kubeconfig
        self.versions = tmp_path / "versions"
        (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
        self.config = tmp_path / "config.yaml"
        self.config.write_text(
            f"kraken:\n  chaos_scenarios:\n    - {scenario_type}: [scenario.yaml]\n"
            "tunings: {wait_duration: 0}\n"
        )
        self.log = tmp_path / "run.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def _env(self) -> dict[str, str]:
        return {**os.environ, "XDG_STATE_HOME": str(self.tmp / "state")}

    def start(self) -> None:
        with self.log.open("wb") as out:  # a file, not a pipe nobody reads while it runs
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "undertow",
                    "run",
                    "-c",
                    str(self.config),
                    "--versions-dir",
                    str(self.versions),
                    "--kubeconfig",
                    self.kubeconfig,
                ],
                env=self._env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_once(self, injected: Callable[[], object], timeout: float = 60) -> None:
        """SIGKILL the run as soon as `injected()` is true (it must still be running)."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        try:
            while not injected():
                assert self.proc.poll() is None, f"the run ended early:\n{self.output()}"
                assert time.monotonic() < deadline, f"no injection seen:\n{self.output()}"
                time.sleep(0.2)
            assert self.proc.poll() is None, f"the run ended before the kill:\n{self.output()}"
        finally:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        assert self.proc.returncode == -signal.SIGKILL

    def pending(self) -> list[ListedFile]:
        """The killed run's pending version files (its lock is gone: it is dead)."""
        [run] = directory.list_runs(self.versions)
        assert not run.live
        return run.pending

    def rollback(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "undertow",
                "rollback",
                "execute",
                "--versions-dir",
                str(self.versions),
                "--kubeconfig",
                self.kubeconfig,
                "--yes",
            ],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def rollback_restores(self) -> str:
        done = self.rollback()
        output = done.stdout + done.stderr
        assert done.returncode == 0, output
        [run] = directory.list_runs(self.versions, include_executed=True)
        assert run.pending == [], output
        assert run.executed
        return output


def undertow_objects(api: KubeApi, namespace: str) -> list[str]:
    """Every live object in `namespace` labelled managed-by=undertow."""
    found = []
    for api_version, kind in api.listable_kinds():
        if kind == "Event" or not api.is_namespaced(api_version, kind):
            continue
        for obj in api.iter(api_version, kind, namespace, label_selector=MANAGED):
            if not obj["metadata"].get("deletionTimestamp"):
                found.append(f"{kind}/{obj['metadata']['name']}")
    return found


def live(api: KubeApi, ref: ObjectRef) -> dict[str, Any] | None:
    try:
        obj = api.get(ref)
    except errors.NotFound:
        return None
    return None if obj["metadata"].get("deletionTimestamp") else obj


def workload_shape(api: KubeApi, namespace: str) -> dict[str, Any]:
    """What a recreated Deployment or Service must match (names, replicas, selectors, ports)."""
    return {
        "deployments": {
            d["metadata"]["name"]: (d["spec"]["replicas"], d["spec"]["selector"])
            for d in api.list("apps/v1", "Deployment", namespace)
        },
        "services": {
            s["metadata"]["name"]: (s["spec"].get("selector"), s["spec"].get("ports"))
            for s in api.list("v1", "Service", namespace)
        },
    }


# --- one test per scenario type ----------------------------------------------------------


def test_pod_disruption_killed_mid_recovery_wait(
    tmp_path: Path, kubeconfig: str, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    """Pod kills are records, not undos: after the crash and the rollback the controller has
    replaced its pods, and a pod nothing owns stays deleted (as Krkn, by design)."""
    apply(api_client, namespace, deployment("web", 2, {"chaos": "target"}))
    lone = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "lone", "labels": {"app": "lone", "chaos": "target"}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "c", "image": "nginx:1.27"}],
        },
    }
    apply(api_client, namespace, lone)
    wait_for(lambda: len(ready_pods(kube_api, namespace, "chaos=target")) == 3)
    victims = {p["metadata"]["uid"] for p in ready_pods(kube_api, namespace, "chaos=target")}
    before = cluster_state(kube_api, [namespace])
    run = Run(
        tmp_path,
        kubeconfig,
        "pod_disruption_scenarios",
        [
            {
                "id": "kill-pods",
                "config": {
                    "namespace_pattern": f"^{namespace}$",
                    "label_selector": "chaos=target",
                    "kill": 3,
                    # `lone` never comes back: the run waits out this window, and dies in it.
                    "krkn_pod_recovery_time": CHAOS_SECONDS,
                    "timeout": CHAOS_SECONDS,
                },
            }
        ],
    )
    run.start()

    def all_deleted() -> bool:
        left = {p["metadata"]["uid"] for p in ready_pods(kube_api, namespace, "chaos=target")}
        return not victims & left

    run.kill_once(all_deleted)
    pending = run.pending()
    assert len(pending) == 3 and all("record of deleted" in f.undo for f in pending), pending
    output = run.rollback_restores()
    assert "record only" in output or "nothing to undo" in output, output
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 2)
    assert not victims & {p["metadata"]["uid"] for p in ready_pods(kube_api, namespace, "")}
    assert live(kube_api, ObjectRef("v1", "Pod", "lone", namespace)) is None
    assert undertow_objects(kube_api, namespace) == []
    assert cluster_state(kube_api, [namespace]) == before


def test_application_outage_killed_mid_duration(
    tmp_path: Path, kubeconfig: str, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    apply(api_client, namespace, deployment("cart", 2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=cart")) == 2)
    before = cluster_state(kube_api, [namespace])
    run = Run(
        tmp_path,
        kubeconfig,
        "application_outages_scenarios",
        {
            "application_outage": {
                "namespace": namespace,
                "pod_selector": {"app": "cart"},
                "block": ["Ingress", "Egress"],
                "duration": CHAOS_SECONDS,
            }
        },
    )
    run.start()
    policies = ("networking.k8s.io/v1", "NetworkPolicy")
    run.kill_once(lambda: kube_api.list(*policies, namespace, label_selector=MANAGED))
    [policy] = kube_api.list(*policies, namespace)  # still blocking: nobody removed it
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app": "cart"}}
    assert len(run.pending()) == 1
    run.rollback_restores()
    assert kube_api.list(*policies, namespace) == []
    assert undertow_objects(kube_api, namespace) == []
    assert cluster_state(kube_api, [namespace]) == before


def test_service_hijacking_killed_mid_duration(
    tmp_path: Path, kubeconfig: str, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    apply(api_client, namespace, deployment("web", 2), service("web", {"app": "web"}))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=web")) == 2)
    before = cluster_state(kube_api, [namespace])
    run = Run(
        tmp_path,
        kubeconfig,
        "service_hijacking_scenarios",
        {
            "service_name": "web",
            "service_namespace": namespace,
            "service_target_port": "http",
            "chaos_duration": CHAOS_SECONDS,
            "privileged": False,
            "plan": [{"resource": "/", "steps": {"GET": [{"status": 503, "payload": "down"}]}}],
        },
    )
    run.start()
    web = ObjectRef("v1", "Service", "web", namespace)
    run.kill_once(lambda: HIJACKER_LABEL in (kube_api.get(web)["spec"].get("selector") or {}))
    selector = kube_api.get(web)["spec"]["selector"]
    assert list(selector) == [HIJACKER_LABEL]  # still hijacked
    assert kube_api.list_pods(namespace, f"{HIJACKER_LABEL}={selector[HIJACKER_LABEL]}")
    assert len(run.pending()) == 3  # the ConfigMap, the pod, the selector
    run.rollback_restores()
    assert kube_api.get(web)["spec"]["selector"] == {"app": "web"}
    assert undertow_objects(kube_api, namespace) == []
    wait_for(lambda: kube_api.list_pods(namespace, HIJACKER_LABEL) == [])
    assert cluster_state(kube_api, [namespace]) == before


def test_service_disruption_objects_with_restore_killed_mid_wait(
    tmp_path: Path, kubeconfig: str, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    apply(
        api_client,
        namespace,
        deployment("web", 2),
        service("web", {"app": "web"}),
        deployment("db", 1),
    )
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 3)
    before = cluster_state(kube_api, [namespace])
    shape = workload_shape(kube_api, namespace)
    run = Run(
        tmp_path,
        kubeconfig,
        "service_disruption_scenarios",
        {
            "scenarios": [
                {
                    "namespace": f"^{namespace}$",
                    "sleep": 0,
                    # Nothing brings them back here: undertow would restore after this wait.
                    "wait_time": CHAOS_SECONDS,
                    "delete": "objects",
                    "restore": True,
                }
            ]
        },
    )
    run.start()

    def all_deleted() -> bool:
        return workload_shape(kube_api, namespace) == {"deployments": {}, "services": {}}

    run.kill_once(all_deleted)
    assert all_deleted()  # still gone after the kill
    pending = run.pending()
    assert len(pending) == 3 and all(f.undo.startswith("recreate") for f in pending), pending
    run.rollback_restores()
    assert workload_shape(kube_api, namespace) == shape
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 3)
    assert undertow_objects(kube_api, namespace) == []
    assert cluster_state(kube_api, [namespace]) == before


def _release(api: KubeApi, ref: ObjectRef) -> None:
    """Drop the test's finalizer, if the object is still there."""
    with contextlib.suppress(errors.KubeError):
        mutate.json_patch(api, ref, [{"op": "remove", "path": "/metadata/finalizers"}])


def test_service_disruption_namespace_with_restore_killed_mid_wait(
    tmp_path: Path, kubeconfig: str, kube_api: KubeApi, api_client: Any, namespace: str
) -> None:
    """A ConfigMap with a finalizer keeps the deleted namespace Terminating while the rollback
    starts (as a real namespace full of objects would be); it is released 3 s later. The undo
    must wait for the old namespace to be gone before recreating it and its objects."""
    apply(api_client, namespace, deployment("web", 2), service("web", {"app": "web"}))
    hold = ObjectRef("v1", "ConfigMap", "hold", namespace)
    apply(
        api_client,
        namespace,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "hold", "finalizers": [HOLD_FINALIZER]},
            "data": {"k": "v"},
        },
    )
    wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 2)
    before = cluster_state(kube_api, [namespace])
    shape = workload_shape(kube_api, namespace)
    ns_ref = ObjectRef("v1", "Namespace", namespace)
    old_uid = kube_api.get(ns_ref)["metadata"]["uid"]
    run = Run(
        tmp_path,
        kubeconfig,
        "service_disruption_scenarios",
        {
            "scenarios": [
                {
                    "namespace": f"^{namespace}$",
                    "sleep": 0,
                    "wait_time": CHAOS_SECONDS,
                    "delete": "namespace",
                    "restore": True,
                }
            ]
        },
    )
    release = threading.Timer(3.0, _release, args=(kube_api, hold))
    try:
        run.start()
        run.kill_once(lambda: live(kube_api, ns_ref) is None)
        assert run.pending()
        release.start()
        run.rollback_restores()
        restored = wait_for(lambda: live(kube_api, ns_ref), timeout=30)
        assert restored["metadata"]["uid"] != old_uid
        assert workload_shape(kube_api, namespace) == shape
        wait_for(lambda: len(ready_pods(kube_api, namespace, "")) == 2)
        assert cluster_state(kube_api, [namespace]) == before
    finally:
        release.cancel()
        _release(kube_api, hold)
        wait_for(lambda: live(kube_api, ns_ref) is not None or _gone(kube_api, ns_ref), 60)


def _gone(api: KubeApi, ref: ObjectRef) -> bool:
    try:
        api.get(ref)
    except errors.NotFound:
        return True
    return False


# --- node_scenarios: the cluster-API actions (provider actions: test_scenario_node_crash) --


@pytest.fixture(scope="module")
def nodes(api_client: Any, kube_api: KubeApi) -> Iterator[ChaosNodes]:
    with chaos_nodes(api_client, kube_api) as made:
        yield made


def _node(api: KubeApi, name: str) -> dict[str, Any]:
    return api.get(ObjectRef.node(name))


def test_node_taint_killed_mid_duration(
    tmp_path: Path, kubeconfig: str, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    target = nodes.names[0]
    before = cluster_state(kube_api, [namespace])
    run = Run(
        tmp_path,
        kubeconfig,
        "node_scenarios",
        {
            "node_scenarios": [
                {
                    "actions": ["node_taint_scenario"],
                    "node_name": target,
                    "taints": ["undertow-crash=held:NoSchedule"],
                    "duration": CHAOS_SECONDS,
                }
            ]
        },
    )
    run.start()

    def tainted() -> bool:
        taints = _node(kube_api, target)["spec"].get("taints") or []
        return any(t["key"] == "undertow-crash" for t in taints)

    run.kill_once(tainted)
    assert tainted()
    assert len(run.pending()) == 1
    run.rollback_restores()
    assert not tainted()
    assert cluster_state(kube_api, [namespace]) == before


def test_node_drain_killed_mid_duration(
    tmp_path: Path,
    kubeconfig: str,
    kube_api: KubeApi,
    api_client: Any,
    namespace: str,
    nodes: ChaosNodes,
) -> None:
    """The drained node stays cordoned after the kill; the rollback uncordons it, and the
    evicted pod's replacement (held Pending by the spread constraint) can run again."""
    target = nodes.names[0]
    apply(api_client, namespace, workload("spread", nodes, 2))
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=spread")) == 2)
    assert pods_on(kube_api, namespace, target)
    before = cluster_state(kube_api, [namespace])
    run = Run(
        tmp_path,
        kubeconfig,
        "node_scenarios",
        {
            "node_scenarios": [
                {
                    "actions": ["node_drain_scenario"],
                    "node_name": target,
                    "duration": CHAOS_SECONDS,
                    "timeout": 20,
                }
            ]
        },
    )
    run.start()

    def drained() -> bool:
        cordoned = bool(_node(kube_api, target)["spec"].get("unschedulable"))
        return cordoned and not pods_on(kube_api, namespace, target)

    run.kill_once(drained)
    assert _node(kube_api, target)["spec"].get("unschedulable") is True
    pending = run.pending()
    assert any("record of evicted" in f.undo for f in pending), pending
    run.rollback_restores()
    assert not _node(kube_api, target)["spec"].get("unschedulable")
    wait_for(lambda: len(ready_pods(kube_api, namespace, "app=spread")) == 2)
    assert cluster_state(kube_api, [namespace]) == before


def test_hog_on_two_nodes_killed_mid_duration(
    tmp_path: Path, kubeconfig: str, kube_api: KubeApi, namespace: str, nodes: ChaosNodes
) -> None:
    """Every hog pod is journaled before it is created: the rollback removes all of them
    (Krkn's journal keeps only the last one when several nodes are hit)."""
    before = cluster_state(kube_api, [namespace])
    run = Run(
        tmp_path,
        kubeconfig,
        "hog_scenarios",
        {
            "hog-type": "cpu",
            "duration": CHAOS_SECONDS,
            "workers": 1,
            "namespace": namespace,
            "node-selector": nodes.selector,
            "taints": [f"{nodes.selector}:NoSchedule"],
        },
    )
    run.start()

    def hogs() -> list[dict[str, Any]]:
        return kube_api.list_pods(namespace, "undertow.io/hog")

    run.kill_once(lambda: len(hogs()) == len(nodes.names))
    affinity = [p["spec"]["affinity"]["nodeAffinity"] for p in hogs()]
    terms = [
        a["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] for a in affinity
    ]
    assert sorted(t[0]["matchFields"][0]["values"][0] for t in terms) == nodes.names  # one each
    assert len(run.pending()) == len(nodes.names)
    run.rollback_restores()
    assert undertow_objects(kube_api, namespace) == []
    wait_for(lambda: hogs() == [])
    assert cluster_state(kube_api, [namespace]) == before


@pytest.mark.parametrize("scenario_type", ["syn_flood_scenarios", "http_load_scenarios"])
def test_load_generators_on_chosen_nodes_killed_mid_load(
    tmp_path: Path,
    kubeconfig: str,
    api_client: Any,
    kube_api: KubeApi,
    namespace: str,
    nodes: ChaosNodes,
    scenario_type: str,
) -> None:
    """Each generator pod is journaled before it is created, with Krkn's `attacker-nodes` as
    its node affinity: the rollback removes every one of them."""
    apply(api_client, namespace, service("web", {"app": "web"}))
    before = cluster_state(kube_api, [namespace])
    key, value = nodes.selector.split("=")
    placement = {"namespace": namespace, "number-of-pods": 2, "attacker-nodes": {key: [value]}}
    body: Any = (
        {**placement, "target-service": "web", "target-port": 80, "duration": CHAOS_SECONDS}
        if scenario_type == "syn_flood_scenarios"
        else [
            {
                "http_load_scenario": {
                    **placement,
                    "targets": {
                        "endpoints": [{"url": f"http://web.{namespace}.svc/", "method": "GET"}]
                    },
                    "duration": f"{CHAOS_SECONDS}s",
                }
            }
        ]
    )
    run = Run(tmp_path, kubeconfig, scenario_type, body)
    run.start()

    def generators() -> list[dict[str, Any]]:
        return kube_api.list_pods(namespace, "undertow.io/load")

    run.kill_once(lambda: len(generators()) == 2)
    for pod in generators():
        required = pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]
        expression = required["nodeSelectorTerms"][0]["matchExpressions"][0]
        assert expression == {"key": key, "operator": "In", "values": [value]}
        assert pod["spec"]["activeDeadlineSeconds"] > CHAOS_SECONDS
    assert len(run.pending()) == 2
    run.rollback_restores()
    assert undertow_objects(kube_api, namespace) == []
    wait_for(lambda: generators() == [])
    assert cluster_state(kube_api, [namespace]) == before
