"""A Krkn pipeline against pods that really run (the local cluster's real node): a pod
disruption file and a container_scenarios file through `undertow-run-kraken`, Krkn's exit
code 0, Krkn's facts in the -o log, and the effects seen on the node's pods — the killed pod
replaced by a new one that runs, the signalled container restarted.

Krkn's verdicts: `pod_disruption_scenario_plugin.py` (`killing_pods`: delete, then wait for
the pods to come back) and `container_scenario_plugin.py` (`container_killing_in_pod`:
`kill <action> 1` in the container, then wait until it is Ready again).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from krkn_pipeline import Pipeline, deployment, ready_pods, wait_for

from undertow.cluster import images, realnode

TRAPS_TERM = ["sh", "-c", 'trap "exit 143" TERM; httpd -f -p 8080 -h /var/www & wait']
"""A main process with a SIGTERM handler (pid 1 of a container ignores the others)."""


def _real_web(replicas: int) -> dict[str, Any]:
    """The pipeline's `web` Deployment, its pods on the real node, serving and trapping TERM."""
    web = deployment("web", replicas)
    pod = web["spec"]["template"]["spec"]
    pod["nodeSelector"] = {realnode.REAL_NODE_LABEL: "true"}
    pod["tolerations"] = [{"key": realnode.REAL_NODE_LABEL, "operator": "Exists"}]
    pod["terminationGracePeriodSeconds"] = 1
    pod["containers"] = [
        {
            "name": "web",
            "image": images.BUSYBOX,
            "imagePullPolicy": "IfNotPresent",
            "command": TRAPS_TERM,
            "ports": [{"containerPort": 8080}],
            "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
        }
    ]
    return web


def _restarts(api_client: Any, namespace: str) -> dict[str, int]:
    from kubernetes import client

    pods = client.CoreV1Api(api_client).list_namespaced_pod(namespace, label_selector="app=web")
    return {
        p.metadata.name: sum(s.restart_count for s in p.status.container_statuses or [])
        for p in pods.items
        if p.metadata.deletion_timestamp is None
    }


def test_pod_and_container_kills_on_the_real_node_pass_with_their_effects(
    real_node: Any, tmp_path: Path, kubeconfig: str, api_client: Any, namespace: str
) -> None:
    from kubernetes import client

    client.AppsV1Api(api_client).create_namespaced_deployment(namespace, _real_web(2))
    wait_for(lambda: len(ready_pods(api_client, namespace, "app=web")) == 2, timeout=120)
    before = ready_pods(api_client, namespace, "app=web")
    pods = {
        "namespace_pattern": f"^{namespace}$",
        "label_selector": "app=web",
        "kill": 1,
        "krkn_pod_recovery_time": 90,
    }
    containers = {
        "scenarios": [
            {
                "name": "term-web",
                "namespace": namespace,
                "label_selector": "app=web",
                "container_name": "web",
                "action": 15,
                "count": 1,
                "expected_recovery_time": 90,
            }
        ]
    }
    pipeline = Pipeline(tmp_path, kubeconfig)
    pipeline.write(
        [
            ("pod_disruption_scenarios", "pods.yaml", [{"id": "kill-pods", "config": pods}]),
            ("container_scenarios", "containers.yaml", containers),
        ]
    )
    done = pipeline.run()

    assert done.code == 0, done
    [killed] = re.findall(rf"\[INFO\] deleted pod {namespace}/(web-\S+)", done.log)
    assert killed in before.values()
    assert "[INFO] pod_disruption_scenarios passed: killed 1 pods" in done.log
    assert "[INFO] container_scenarios passed" in done.log
    assert "[ERROR]" not in done.log
    after = ready_pods(api_client, namespace, "app=web")
    assert len(after) == 2 and killed not in after.values()  # replaced by a pod that runs
    assert max(_restarts(api_client, namespace).values()) >= 1  # the signalled container
