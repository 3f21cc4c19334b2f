"""deploy/rbac-families.yaml on the test cluster, and identities bound to one family alone.

The fixtures `family_roles` (the ClusterRoles, for a module) and `token_for` (a kubeconfig
per family: a ServiceAccount bound to that family's ClusterRole and to rbac.yaml's heartbeat
Role only, with a bound token) are imported by the modules that use them;
`run_as` runs `undertow run` on one scenario file with such a kubeconfig.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
FAMILIES_FILE = REPO / "deploy" / "rbac-families.yaml"


def heartbeat_rules() -> list[dict[str, Any]]:
    """The rules of rbac.yaml's `undertow-heartbeat` Role: every run holds its Lease and
    writes its journal's cluster copy in the heartbeat's namespace, whatever its family."""
    documents = yaml.safe_load_all((REPO / "deploy" / "rbac.yaml").read_text("utf-8"))
    [role] = [
        d
        for d in documents
        if d and d["kind"] == "Role" and d["metadata"]["name"] == "undertow-heartbeat"
    ]
    rules: list[dict[str, Any]] = role["rules"]
    return rules


def documents() -> list[dict[str, Any]]:
    """The family ClusterRoles of deploy/rbac-families.yaml."""
    return [d for d in yaml.safe_load_all(FAMILIES_FILE.read_text("utf-8")) if d]


@pytest.fixture(scope="module")
def family_roles(api_client: Any) -> Iterator[None]:
    from kubernetes import client

    rbac = client.RbacAuthorizationV1Api(api_client)
    docs = documents()
    for doc in docs:
        rbac.create_cluster_role(doc)
    try:
        yield
    finally:
        for doc in docs:
            rbac.delete_cluster_role(doc["metadata"]["name"])


@pytest.fixture
def token_for(
    api_client: Any, kubeconfig: str, namespace: str, family_roles: None, tmp_path: Path
) -> Iterator[Callable[[str], Path]]:
    """A kubeconfig per family: a ServiceAccount bound to that family's ClusterRole only."""
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    rbac = client.RbacAuthorizationV1Api(api_client)
    rbac.create_namespaced_role(
        namespace, {"metadata": {"name": "heartbeat"}, "rules": heartbeat_rules()}
    )
    bindings: list[str] = []

    def token(family: str) -> Path:
        account = f"undertow-{family}"
        core.create_namespaced_service_account(namespace, {"metadata": {"name": account}})
        subject = [{"kind": "ServiceAccount", "name": account, "namespace": namespace}]
        rbac.create_namespaced_role_binding(
            namespace,
            {
                "metadata": {"name": f"heartbeat-{family}"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": "heartbeat",
                },
                "subjects": subject,
            },
        )
        binding = f"{namespace}-{family}"
        rbac.create_cluster_role_binding(
            {
                "metadata": {"name": binding},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": f"undertow-family-{family}",
                },
                "subjects": subject,
            }
        )
        bindings.append(binding)
        request = {"spec": {"expirationSeconds": 3600}}
        granted = core.create_namespaced_service_account_token(account, namespace, request)
        admin = yaml.safe_load(Path(kubeconfig).read_text("utf-8"))
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "local", "cluster": admin["clusters"][0]["cluster"]}],
            "users": [{"name": account, "user": {"token": granted.status.token}}],
            "contexts": [{"name": account, "context": {"cluster": "local", "user": account}}],
            "current-context": account,
        }
        path = tmp_path / f"{family}.kubeconfig"
        path.write_text(json.dumps(config))
        return path

    try:
        yield token
    finally:
        for binding in bindings:
            with contextlib.suppress(Exception):
                rbac.delete_cluster_role_binding(binding)


def run_as(
    tmp: Path, kubeconfig: Path, namespace: str, scenario_type: str, content: str
) -> subprocess.CompletedProcess[str]:
    """`undertow run` of one scenario file with `kubeconfig`, its heartbeat in `namespace`
    (which it may target: it is allowed as a protected namespace)."""
    work = tmp / f"run-{scenario_type}-{uuid.uuid4().hex[:4]}"
    work.mkdir()
    (work / "s.yaml").write_text(content)
    (work / "config.yaml").write_text(
        f"scenarios:\n  - {scenario_type}: [s.yaml]\nheartbeat: {{namespace: {namespace}}}\n"
        f"allow_protected_namespaces: [{namespace}]\n"  # undertow's, and the target's
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
    return subprocess.run(
        [
            *(sys.executable, "-m", "undertow", "run", "-c", "config.yaml"),
            *("--kubeconfig", str(kubeconfig), "--versions-dir", str(work / "versions")),
        ],
        cwd=work,
        env={**env, "XDG_STATE_HOME": str(work / "state")},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
