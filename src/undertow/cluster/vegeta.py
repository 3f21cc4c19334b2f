"""Build vegeta (the HTTP load generator of `http_load_scenarios`) for the real node's `tools`
image, and cache it beside the control-plane binaries.

The module `tools/vegeta` pins the version; the cache key is a hash of its go.mod/go.sum and
the Go version, kept apart from the control plane's key so that a new vegeta never rebuilds
Kubernetes. The binary is static (CGO off), so the image needs no library for it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from undertow.cluster.build import Progress, go_env
from undertow.cluster.toolchain import cache_root, find_go, read_pins, tools_dir
from undertow.errors import LocalClusterError

MODULE_DIR = "vegeta"
PACKAGE = "github.com/tsenart/vegeta/v12"
RECIPE = "1"
BUILD_TIMEOUT_S = 1800


def _key(module: Path, go_version: str) -> str:
    digest = hashlib.sha256(f"recipe={RECIPE}\ngo={go_version}\n".encode())
    for name in ("go.mod", "go.sum"):
        digest.update(name.encode() + b"\0" + (module / name).read_bytes())
    return digest.hexdigest()[:12]


def ensure_vegeta(progress: Progress, *, root: Path | None = None) -> Path:
    """The cached vegeta binary for the pinned version, built first when missing."""
    tools = tools_dir()
    module = tools / MODULE_DIR
    go = find_go(read_pins(tools))
    target = (root or cache_root()) / f"vegeta-{_key(module, go.version)}" / "vegeta"
    if os.access(target, os.X_OK):
        return target
    target.parent.parent.mkdir(parents=True, exist_ok=True)
    log = target.parent.with_suffix(".build.log")
    progress(f"building vegeta ({go.version}) into {target.parent}; the log is {log}")
    cache = target.parent.parent
    work = Path(tempfile.mkdtemp(prefix=f"{target.parent.name}.building-", dir=cache))
    try:
        try:
            with log.open("w") as sink:
                done = subprocess.run(
                    [go.path, "build", "-ldflags", "-s -w", "-o", str(work / "vegeta"), PACKAGE],
                    cwd=module,
                    env=go_env(go),
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    check=False,
                    timeout=BUILD_TIMEOUT_S,
                )
        except (OSError, subprocess.SubprocessError) as exc:
            raise LocalClusterError(f"building vegeta failed: {exc}; log: {log}") from exc
        if done.returncode != 0:
            raise LocalClusterError(f"building vegeta failed (exit {done.returncode}); log: {log}")
        if target.parent.exists():
            shutil.rmtree(target.parent)
        os.replace(work, target.parent)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target
