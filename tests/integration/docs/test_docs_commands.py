"""Docs that run: every shell block of README.md and docs/*.md runs against the local cluster.

Each block runs with `bash -euo pipefail` (any failing command fails the test) in a scratch
directory that holds what the docs assume the reader has, with short durations:

- `config.yaml` (undertow's format) and `krkn-config.yaml`, `config/config.yaml` (Krkn's,
  the second with a type undertow does not implement): one pod kill, `pods.yaml`, aimed at a
  3-replica `web` Deployment in a namespace of this test's own;
- `kc`: the cluster's kubeconfig with its context named `dev`;
- `JUNIT_TESTCASE` and `ARTIFACT_DIR` (a CI's variables, used by `undertow-run-kraken`);
- a copy of the checkout's `src/`, `pyproject.toml` and `README.md` (so `pip wheel .` works
  without touching the checkout), and links to `examples/`, `docs/`, `deploy/` and `tests/`;
- its own state directory, so the rollback commands see only the runs of these blocks.

Blocks that must not run here (they install into the environment, need a cloud or a dead
run's id, or start and stop clusters: this test runs on a shared cluster) are marked
`<!-- docs-test: skip REASON -->` in the docs; they are not collected as tests (CI counts a
skip as a gap), and one test checks that each names its reason, printed with -rP or -s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from doc_blocks import Block, shell_blocks

REPO = Path(__file__).parents[3]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCKS = [block for doc in DOCS for block in shell_blocks(doc)]
RUNNABLE = [block for block in BLOCKS if block.skip_reason is None]
COPIED = ("src", "pyproject.toml", "README.md")
LINKED = ("examples", "docs", "deploy", "tests")
BLOCK_TIMEOUT = 300


def _pods_file(namespace: str) -> list[dict[str, Any]]:
    config = {
        "namespace_pattern": f"^{namespace}$",
        "label_selector": "app=web",
        "kill": 1,
        "krkn_pod_recovery_time": 60,
    }
    return [{"id": "kill-pods", "config": config}]


def _web(namespace: str) -> dict[str, Any]:
    labels = {"app": "web"}
    container = {"name": "web", "image": "nginx:1.27"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"terminationGracePeriodSeconds": 0, "containers": [container]},
            },
        },
    }


def _ready_replicas(api_client: Any, namespace: str) -> int:
    from kubernetes import client

    status = client.AppsV1Api(api_client).read_namespaced_deployment("web", namespace).status
    return int(status.ready_replicas or 0)


def _write_yaml(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _kubeconfig_with_context_dev(kubeconfig: str, target: Path) -> None:
    data = yaml.safe_load(Path(kubeconfig).read_text(encoding="utf-8"))
    current = data["current-context"]
    for context in data["contexts"]:
        if context["name"] == current:
            context["name"] = "dev"
    data["current-context"] = "dev"
    _write_yaml(target, data)


@pytest.fixture(scope="module")
def sandbox(
    tmp_path_factory: pytest.TempPathFactory, api_client: Any, kubeconfig: str
) -> Iterator[tuple[Path, dict[str, str]]]:
    from kubernetes import client, utils

    namespace = f"t-docs-{uuid.uuid4().hex[:6]}"
    core = client.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": namespace, "labels": {"undertow.io/test": "true"}}})
    try:
        utils.create_from_dict(api_client, _web(namespace))
        root = tmp_path_factory.mktemp("docs")
        for name in COPIED:
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("*.egg-info"))
            else:
                shutil.copy2(source, root / name)
        for name in LINKED:
            (root / name).symlink_to(REPO / name)
        _write_yaml(root / "pods.yaml", _pods_file(namespace))
        chaos = [{"pod_disruption_scenarios": ["pods.yaml"]}]
        _write_yaml(root / "config.yaml", {"scenarios": chaos, "tunings": {"wait_duration": 0}})
        krkn = {"kraken": {"chaos_scenarios": chaos}, "tunings": {"wait_duration": 0}}
        _write_yaml(root / "config" / "config.yaml", krkn)
        unsupported = [*chaos, {"arcaflow_scenarios": ["arcaflow.yaml"]}]
        krkn_mixed = {"kraken": {"chaos_scenarios": unsupported}, "tunings": {"wait_duration": 0}}
        _write_yaml(root / "krkn-config.yaml", krkn_mixed)
        _kubeconfig_with_context_dev(kubeconfig, root / "kc")
        (root / "artifacts").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
        env.update(
            KUBECONFIG=kubeconfig,
            XDG_STATE_HOME=str(root / "state"),
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            JUNIT_TESTCASE="docs-test",
            ARTIFACT_DIR=str(root / "artifacts"),
        )
        deadline = 120
        while _ready_replicas(api_client, namespace) < 3 and deadline > 0:
            deadline -= 1
            time.sleep(1)
        assert _ready_replicas(api_client, namespace) == 3, "the sample Deployment is not Ready"
        yield root, env
    finally:
        core.delete_namespace(namespace)


def test_the_docs_have_shell_blocks_to_run() -> None:
    assert len(RUNNABLE) >= 4, [b.where for b in BLOCKS]
    assert any(b.file.name == "README.md" for b in RUNNABLE)


def test_every_block_not_run_says_why() -> None:
    not_run = [b for b in BLOCKS if b.skip_reason is not None]
    for block in not_run:
        print(f"not run: {block.where}: {block.skip_reason}")
    assert all(b.skip_reason and b.skip_reason.strip() for b in not_run), not_run


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.where for b in RUNNABLE])
def test_shell_block_runs(block: Block, sandbox: tuple[Path, dict[str, str]]) -> None:
    root, env = sandbox
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, (
        f"{block.where} failed (exit {done.returncode}):\n{block.script}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
    )
