"""`undertow run` of the test plugin's sleep scenario with judging sections, as a user runs it
(a subprocess with its own state dir), and what it left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def sleep_config(
    tmp_path: Path, namespace: str, extra: str, *, duration: float = 1, krkn: bool = True
) -> Path:
    """A config (Krkn's format, or undertow's) running one sleep scenario that creates a
    ConfigMap in `namespace`, followed by `extra` (the judging sections)."""
    (tmp_path / "s.yaml").write_text(
        f"sleep:\n  duration: {duration}\n  outcome: pass\n  configmap_namespace: {namespace}\n"
    )
    scenarios = (
        "kraken:\n  chaos_scenarios:\n    - sleep_scenarios: [s.yaml]\n"
        if krkn
        else "scenarios:\n  - sleep_scenarios: [s.yaml]\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(scenarios + "tunings: {wait_duration: 0}\n" + extra)
    return config


@dataclass(frozen=True)
class Done:
    code: int
    output: str
    tmp_path: Path

    @property
    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.tmp_path / "rep" / "report.json").read_text())
        return report


def run_undertow(config: Path, tmp_path: Path, kubeconfig: str) -> Done:
    args = ["-c", str(config), "--kubeconfig", kubeconfig, "--report-dir", str(tmp_path / "rep")]
    done = subprocess.run(
        [sys.executable, "-m", "undertow", "run", *args],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Done(done.returncode, done.stdout + done.stderr, tmp_path)


def leftovers(api_client: Any, namespace: str, tmp_path: Path) -> list[str]:
    """The sleep scenario's ConfigMaps still there, and version files still pending."""
    from kubernetes import client

    items = client.CoreV1Api(api_client).list_namespaced_config_map(namespace).items
    cms = [i.metadata.name for i in items if i.metadata.name.startswith("sleep-")]
    return cms + [p.name for p in (tmp_path / "state").rglob("*.py") if p.is_file()]
