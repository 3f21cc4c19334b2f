"""A Krkn user's pipeline, played against the local control plane: Krkn-format config and
scenario files in a directory, run through `python -m undertow.run_kraken -c … -o …` as a
real process (what `undertow-run-kraken` runs), with Krkn's exit codes.

Helpers for the workloads the scenarios act on are created with the kubernetes client
(test setup only, never through undertow).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KRKN_BAD_INPUT = 255
"""Krkn's exit code for a config it cannot use (its -1); undertow-run-kraken's for bad input."""
TIMEOUT_S = 180


@dataclass(frozen=True)
class Pipeline:
    """One Krkn config and its scenario files in `directory`."""

    directory: Path
    kubeconfig: str

    @property
    def config(self) -> Path:
        return self.directory / "config" / "config.yaml"

    @property
    def log(self) -> Path:
        return self.directory / "kraken.report"

    @property
    def reports(self) -> Path:
        return self.directory / "reports"

    @property
    def state(self) -> Path:
        return self.directory / "state"

    def write(self, scenarios: Sequence[tuple[str, str, Any]]) -> Path:
        """Write `scenarios/<file>` for each (type, file, content) and a config listing them,
        in order, with Krkn's shipped tunings but no wait between scenarios."""
        (self.directory / "scenarios").mkdir(exist_ok=True)
        entries = []
        for scenario_type, name, content in scenarios:
            (self.directory / "scenarios" / name).write_text(yaml.safe_dump(content))
            entries.append({scenario_type: [f"scenarios/{name}"]})
        self.config.parent.mkdir(exist_ok=True)
        config = {
            "kraken": {"auto_rollback": True, "chaos_scenarios": entries},
            "tunings": {"wait_duration": 0, "iterations": 1, "daemon_mode": False},
        }
        self.config.write_text(yaml.safe_dump(config, sort_keys=False))
        return self.config

    def where(self, text: str) -> str:
        """`config/config.yaml:LINE` of the first line holding `text`, as errors name it."""
        lines = self.config.read_text().splitlines()
        line = next(n for n, content in enumerate(lines, 1) if text in content)
        return f"config/config.yaml:{line}"

    def start(self, *extra: str) -> subprocess.Popen[str]:
        """`undertow-run-kraken -c config/config.yaml -o kraken.report`, from the directory
        (where Krkn's scripts run it)."""
        env = {
            **os.environ,
            "XDG_STATE_HOME": str(self.state),
            "UNDERTOW_KUBECONFIG": self.kubeconfig,
            "UNDERTOW_REPORT_DIR": str(self.reports),
        }
        return subprocess.Popen(
            [sys.executable, "-m", "undertow.run_kraken", "-c", "config/config.yaml", *extra],
            cwd=self.directory,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def run(self, *extra: str) -> Done:
        proc = self.start("-o", str(self.log), *extra)
        return self.finish(proc)

    def finish(self, proc: subprocess.Popen[str]) -> Done:
        output, _ = proc.communicate(timeout=TIMEOUT_S)
        log = self.log.read_text() if self.log.exists() else ""
        return Done(proc.returncode, output, log)


@dataclass(frozen=True)
class Done:
    code: int
    output: str
    """stdout and stderr."""
    log: str
    """The -o file: the run's log in Krkn's format."""

    def __str__(self) -> str:
        return f"exit {self.code}\n{self.output}"


def deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [{"name": "web", "image": "nginx:1.27"}],
                },
            },
        },
    }


def create_app(api_client: Any, namespace: str, name: str, replicas: int) -> dict[str, str]:
    """A Deployment and its Service; returns its Running+Ready pods (uid → name)."""
    from kubernetes import client

    client.AppsV1Api(api_client).create_namespaced_deployment(namespace, deployment(name, replicas))
    client.CoreV1Api(api_client).create_namespaced_service(
        namespace,
        {"metadata": {"name": name}, "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}},
    )
    wait_for(lambda: len(ready_pods(api_client, namespace, f"app={name}")) == replicas)
    return ready_pods(api_client, namespace, f"app={name}")


def ready_pods(api_client: Any, namespace: str, selector: str) -> dict[str, str]:
    from kubernetes import client

    pods = client.CoreV1Api(api_client).list_namespaced_pod(namespace, label_selector=selector)
    return {
        p.metadata.uid: p.metadata.name
        for p in pods.items
        if p.metadata.deletion_timestamp is None
        and p.status.phase == "Running"
        and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
    }


def workloads(api_client: Any, namespace: str) -> Mapping[str, list[str]]:
    """The names of the namespace's Deployments and Services."""
    from kubernetes import client

    apps, core = client.AppsV1Api(api_client), client.CoreV1Api(api_client)
    return {
        "deployments": sorted(
            d.metadata.name for d in apps.list_namespaced_deployment(namespace).items
        ),
        "services": sorted(s.metadata.name for s in core.list_namespaced_service(namespace).items),
    }


def wait_for(check: Callable[[], bool], timeout: float = 60, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
