"""Deploy the demo's sample workload, wait until its Deployments are fully available, and show
what each Service answers on its ClusterIP (the pods are real, on the local cluster's real node).

    python scripts/deploy_workload.py KUBECONFIG examples/workload.yaml

Objects that already exist are left as they are, so the demo can be run again (it runs this
again after the chaos run, to show the workload serving as before).
"""

from __future__ import annotations

import sys
import time
import urllib.request

import yaml
from kubernetes import client, config, utils
from kubernetes.utils.create_from_yaml import FailToCreateError

TIMEOUT_SECONDS = 120


def deploy(kubeconfig: str, manifest: str) -> None:
    config.load_kube_config(kubeconfig)
    api = client.ApiClient()
    with open(manifest, encoding="utf-8") as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    for doc in documents:
        try:
            utils.create_from_dict(api, doc)
            print(f"  created {doc['kind']} {doc['metadata']['name']}")
        except FailToCreateError as exc:
            if any(e.status != 409 for e in exc.api_exceptions):
                raise
            print(f"  {doc['kind']} {doc['metadata']['name']} already exists")
    apps = client.AppsV1Api(api)
    for doc in documents:
        if doc["kind"] == "Deployment":
            wait_available(apps, doc["metadata"]["namespace"], doc["metadata"]["name"])
    core = client.CoreV1Api(api)
    for doc in documents:
        if doc["kind"] == "Service":
            show_answer(core, doc["metadata"]["namespace"], doc["metadata"]["name"])


def wait_available(apps: client.AppsV1Api, namespace: str, name: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status = apps.read_namespaced_deployment(name, namespace).status
        wanted = status.replicas or 0
        if wanted and (status.available_replicas or 0) >= wanted:
            print(f"  Deployment {namespace}/{name}: {wanted}/{wanted} available")
            return
        time.sleep(0.5)
    sys.exit(f"Deployment {namespace}/{name} not available after {TIMEOUT_SECONDS}s")


def show_answer(core: client.CoreV1Api, namespace: str, name: str) -> None:
    """GET / on the Service's ClusterIP from this host (kube-proxy routes it to a real pod)."""
    service = core.read_namespaced_service(name, namespace)
    url = f"http://{service.spec.cluster_ip}:{service.spec.ports[0].port}/"
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=3) as resp:
                body = resp.read().decode(errors="replace").strip()
                print(f"  Service {namespace}/{name}: GET {url} -> {resp.status} {body!r}")
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                sys.exit(f"Service {namespace}/{name} did not answer on {url}: {exc}")
            time.sleep(0.5)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    deploy(sys.argv[1], sys.argv[2])
