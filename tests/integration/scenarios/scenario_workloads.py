"""Sample workloads created directly with the kubernetes client (test setup only)."""

from __future__ import annotations

from typing import Any


def deployment(
    name: str, replicas: int = 3, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    match = {"app": name, **(labels or {})}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": match},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": match},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.27",
                            "ports": [{"name": "http", "containerPort": 80}],
                        }
                    ],
                },
            },
        },
    }


def service(name: str, selector: dict[str, str], port_name: str = "http") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "selector": selector,
            "ports": [{"name": port_name, "port": 80, "targetPort": port_name}],
        },
    }


def apply(api_client: Any, namespace: str, *objects: dict[str, Any]) -> None:
    from kubernetes import dynamic

    dyn = dynamic.DynamicClient(api_client)
    for obj in objects:
        resource = dyn.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        resource.create(body=obj, namespace=namespace)
