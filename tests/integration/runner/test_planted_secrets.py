"""No credential undertow is given shows up in anything it writes or prints.

Recognisable values are planted where credentials live: a bearer token and a client key in
kubeconfigs, cloud credentials in the environment, a BMC password in a node scenario, a
Prometheus bearer token and the run-control token in the config. Real commands then run on
the cluster (`undertow run` passing and failing, with reports; `--dry-run`; `validate`;
`rollback list`; `report show`), with the journal's cluster copy and the heartbeat Lease in
the test's namespace. Every output is searched for every planted value: each command's
stdout and stderr, every file under the state, config, temp and report dirs (logs, version
files, report.json, report.html, junit.xml), and the ConfigMaps, Secrets (decoded) and Leases
of the namespace. The counts are recorded as a `reliability` property for
scripts/reliability_report.py.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

PLANTED_ENV = {
    "AWS_SECRET_ACCESS_KEY": "PLANTED-aws-secret-0b7e41",
    "AWS_SESSION_TOKEN": "PLANTED-aws-session-9d21c8",
    "AZURE_CLIENT_SECRET": "PLANTED-azure-secret-44af10",
    "IBMC_APIKEY": "PLANTED-ibm-apikey-e5b2d7",
    "OS_PASSWORD": "PLANTED-openstack-pass-1c9f03",
    "VSPHERE_PASSWORD": "PLANTED-vsphere-pass-7a6e55",
    "IPMI_PASSWORD": "PLANTED-ipmi-pass-3b8d60",
}
BMC_PASSWORD = "PLANTED-bmc-pass-7f3a92"
PROMETHEUS_TOKEN = "PLANTED-prom-token-91c2ee"
CONTROL_TOKEN = "PLANTED-control-token-55d0e1"


def _token_kubeconfig(api_client: Any, kubeconfig: str, namespace: str, into: Path) -> str:
    """A kubeconfig whose only credential is a bound ServiceAccount token (cluster-admin);
    returns the token, the value to look for."""
    from kubernetes import client

    core, rbac = client.CoreV1Api(api_client), client.RbacAuthorizationV1Api(api_client)
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "planted"}})
    rbac.create_cluster_role_binding(
        {
            "metadata": {"name": f"{namespace}-planted"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "cluster-admin",
            },
            "subjects": [{"kind": "ServiceAccount", "name": "planted", "namespace": namespace}],
        }
    )
    request = {"spec": {"expirationSeconds": 3600}}
    token = str(
        core.create_namespaced_service_account_token("planted", namespace, request).status.token
    )
    admin = yaml.safe_load(Path(kubeconfig).read_text("utf-8"))
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": admin["clusters"][0]["cluster"]}],
        "users": [{"name": "planted", "user": {"token": token}}],
        "contexts": [{"name": "planted", "context": {"cluster": "local", "user": "planted"}}],
        "current-context": "planted",
    }
    into.write_text(json.dumps(config))
    into.chmod(0o600)
    return token


def _key_kubeconfig(kubeconfig: str, into: Path) -> list[str]:
    """The admin kubeconfig with its client key inlined; returns the values to look for:
    the key's base64 as written, and a line of its PEM body."""
    config = yaml.safe_load(Path(kubeconfig).read_text("utf-8"))
    user = config["users"][0]["user"]
    pem = Path(user.pop("client-key")).read_bytes()
    certificate = Path(user.pop("client-certificate")).read_bytes()
    user["client-key-data"] = base64.b64encode(pem).decode()
    user["client-certificate-data"] = base64.b64encode(certificate).decode()
    into.write_text(json.dumps(config))
    into.chmod(0o600)
    body = [line for line in pem.decode().splitlines() if line and not line.startswith("-----")]
    return [user["client-key-data"][:64], body[1]]


def _inputs(root: Path, namespace: str, *, outcome: str) -> Path:
    (root / f"s-{outcome}.yaml").write_text(
        f"sleep:\n  duration: 0\n  outcome: {outcome}\n  configmap_namespace: {namespace}\n"
    )
    (root / "n.yaml").write_text(
        "node_scenarios:\n"
        "  - actions: [node_cordon_scenario]\n"
        "    label_selector: undertow.io/planted=no-such-node\n"  # fails before any change
        "    cloud_type: bm\n"
        "    bmc_user: admin\n"
        f"    bmc_password: {BMC_PASSWORD}\n"
        "    duration: 1\n"
    )
    (root / "alerts.yaml").write_text("- expr: up == 0\n  description: down\n  severity: info\n")
    nodes = "  - node_scenarios: [n.yaml]\n" if outcome == "fail" else ""
    config = root / f"config-{outcome}.yaml"
    config.write_text(
        f"scenarios:\n  - sleep_scenarios: [s-{outcome}.yaml]\n{nodes}"
        "tunings: {wait_duration: 0}\n"
        f"heartbeat: {{namespace: {namespace}, journal_copy: auto}}\n"
        f"allow_protected_namespaces: [{namespace}]\n"  # undertow's, and the target's
        "performance_monitoring:\n"
        "  prometheus_url: http://127.0.0.1:9\n"
        f"  prometheus_bearer_token: {PROMETHEUS_TOKEN}\n"
        "  enable_alerts: true\n"
        "  alert_profile: alerts.yaml\n"
        f"control: {{enabled: true, port: 0, token: {CONTROL_TOKEN}}}\n"
    )
    return config


def _cluster_objects(api_client: Any, namespace: str) -> list[str]:
    """The namespace's ConfigMaps, Secrets (data decoded) and Leases, as text."""
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    serialize = api_client.sanitize_for_serialization
    texts = [json.dumps(serialize(c)) for c in core.list_namespaced_config_map(namespace).items]
    for secret in core.list_namespaced_secret(namespace).items:
        decoded = {
            k: base64.b64decode(v).decode("utf-8", "replace")
            for k, v in (secret.data or {}).items()
        }
        texts.append(json.dumps(serialize(secret)) + json.dumps(decoded))
    leases = client.CoordinationV1Api(api_client).list_namespaced_lease(namespace).items
    texts += [json.dumps(serialize(lease)) for lease in leases]
    return texts


def test_no_planted_secret_appears_in_any_output(
    tmp_path: Path,
    kubeconfig: str,
    namespace: str,
    api_client: Any,
    record_testsuite_property: Callable[[str, object], None],
) -> None:
    inputs, out = tmp_path / "inputs", tmp_path / "out"
    inputs.mkdir()
    dirs = {name: out / name for name in ("state", "config", "tmp", "reports")}
    for path in dirs.values():
        path.mkdir(parents=True)
    token_kc, key_kc = inputs / "token.kubeconfig", inputs / "key.kubeconfig"
    planted = {
        "kubeconfig bearer token": _token_kubeconfig(api_client, kubeconfig, namespace, token_kc),
        **{f"client key ({i})": v for i, v in enumerate(_key_kubeconfig(kubeconfig, key_kc))},
        **{f"env {name}": value for name, value in PLANTED_ENV.items()},
        "BMC password": BMC_PASSWORD,
        "Prometheus bearer token": PROMETHEUS_TOKEN,
        "run-control token": CONTROL_TOKEN,
    }
    passing = _inputs(inputs, namespace, outcome="pass")
    failing = _inputs(inputs, namespace, outcome="fail")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
    clean.pop("KUBECONFIG", None)
    env = {
        **clean,
        **PLANTED_ENV,
        "XDG_STATE_HOME": str(dirs["state"]),
        "XDG_CONFIG_HOME": str(dirs["config"]),
        "TMPDIR": str(dirs["tmp"]),
    }

    def undertow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "undertow", *args],
            cwd=inputs,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    reports = dirs["reports"]
    commands = {
        "run (passes)": [
            *("run", "-c", str(passing), "--kubeconfig", str(token_kc)),
            *("--report-dir", str(reports / "pass")),
        ],
        "run (fails)": [
            *("run", "-c", str(failing), "--kubeconfig", str(key_kc), "--no-auto-rollback"),
            *("--report-dir", str(reports / "fail")),
        ],
        "run --dry-run": ["run", "-c", str(failing), "--kubeconfig", str(token_kc), "--dry-run"],
        "validate": ["validate", "-c", str(failing)],
        "rollback list": ["rollback", "list"],
        "report show (passed run)": ["report", "show", str(reports / "pass")],
        "report show (failed run)": ["report", "show", str(reports / "fail")],
    }
    outputs: dict[str, str] = {}
    codes = {}

    def record(name: str, done: subprocess.CompletedProcess[str]) -> None:
        codes[name] = done.returncode
        outputs[f"{name}: stdout"] = done.stdout
        outputs[f"{name}: stderr"] = done.stderr

    for name, args in commands.items():
        record(name, undertow(*args))
    copies = _cluster_objects(api_client, namespace)  # the failed run's entry is still pending
    for index, text in enumerate(copies):
        outputs[f"cluster object {index}"] = text
    record(
        "rollback execute", undertow("rollback", "execute", "--yes", "--kubeconfig", str(key_kc))
    )
    for root in dirs.values():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                outputs[str(path.relative_to(out))] = path.read_bytes().decode("utf-8", "replace")

    hits = [
        f"{what} in {where}"
        for what, value in planted.items()
        for where, text in outputs.items()
        if value in text
    ]
    record_testsuite_property(
        "reliability",
        json.dumps(
            {
                "section": "secrets",
                "planted": len(planted),
                "commands": len(codes),
                "outputs_searched": len(outputs),
                "hits": len(hits),
            }
        ),
    )
    assert codes["run (passes)"] == 0, outputs["run (passes): stderr"]
    assert codes["run (fails)"] == 1, outputs["run (fails): stderr"]
    assert codes["rollback execute"] == 0, outputs["rollback execute: stderr"]
    assert any(p.name == "report.html" for p in reports.rglob("*"))
    assert any("undertow-journal-" in text for text in copies)  # the cluster copy was searched
    assert hits == []
