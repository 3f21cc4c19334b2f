"""No client key is left on disk when `undertow run` is killed outright.

The kubernetes client writes certificate and key data from a kubeconfig to temp files and
removes them only at a normal exit; undertow keeps them in memory instead. The run is
SIGKILLed mid-scenario with a kubeconfig that embeds its credentials, and the temp dir and
undertow's state dir are scanned for key material.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from test_run import configmaps, setup


def _embedded_kubeconfig(kubeconfig: str, into: Path) -> Path:
    """`kubeconfig` with its certificate, key and CA files inlined as *-data."""
    config = yaml.safe_load(Path(kubeconfig).read_text())

    def inline(section: dict[str, Any], key: str) -> None:
        if key in section:
            data = Path(section.pop(key)).read_bytes()
            section[f"{key}-data"] = base64.b64encode(data).decode()

    for cluster in config["clusters"]:
        inline(cluster["cluster"], "certificate-authority")
    for user in config["users"]:
        inline(user["user"], "client-certificate")
        inline(user["user"], "client-key")
    path = into / "embedded.kubeconfig"
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    return path


def _key_material(*roots: Path) -> list[Path]:
    return [
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and b"PRIVATE KEY" in path.read_bytes()
    ]


def test_a_sigkilled_run_leaves_no_private_key_on_disk(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    embedded = _embedded_kubeconfig(kubeconfig, tmp_path)
    assert b"PRIVATE KEY" in base64.b64decode(
        yaml.safe_load(embedded.read_text())["users"][0]["user"]["client-key-data"]
    )
    temp, state = tmp_path / "tmp", tmp_path / "state"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "XDG_STATE_HOME": str(state)}
    config = setup(tmp_path, namespace, outcome="pass", duration=60)
    run = [sys.executable, "-m", "undertow", "run", "-c", str(config)]
    proc = subprocess.Popen([*run, "--kubeconfig", str(embedded)], env=env, text=True)
    try:
        deadline = time.monotonic() + 60
        while not configmaps(api_client, namespace):  # connected, and mid-scenario
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    assert _key_material(temp, state) == []

    restore = [sys.executable, "-m", "undertow", "rollback", "execute", "--yes"]
    done = subprocess.run(
        [*restore, "--kubeconfig", str(embedded)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert configmaps(api_client, namespace) == []
    assert _key_material(temp, state) == []
