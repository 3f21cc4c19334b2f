"""Where the Go tool modules are, which Go builds them, and the cache key of their binaries.

The three modules under `tools/` pin every version (Kubernetes, etcd, kwok). The cache key
is a hash of their go.mod/go.sum/Go sources, the Go version and the build recipe, so the
binaries are rebuilt exactly when one of those changes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from undertow.errors import LocalClusterError

# Bump when the build flags or the bin dir layout change: it invalidates every cache.
RECIPE_VERSION = "1"
TOOL_MODULES = ("k8s", "etcd", "kwok")
K8S_TAGS = "selinux,notest,grpcnotrace"

_GO_DIRECTIVE = re.compile(r"^go (\d+)\.(\d+)(?:\.(\d+))?\s*$", re.MULTILINE)
_K8S_REQUIRE = re.compile(
    r"^\s*(?:require\s+)?k8s\.io/kubernetes (v1\.(\d+)\.\d+)\s*(?://.*)?$", re.MULTILINE
)
_GO_VERSION = re.compile(r"^go(\d+)\.(\d+)(?:\.(\d+))?")

INSTALL_GO_HINT = (
    "Install Go from https://go.dev/dl/ (or your distribution's golang package) and put its "
    "bin directory on PATH, or point UNDERTOW_GO at the go binary."
)


@dataclass(frozen=True)
class GoToolchain:
    path: str
    version: str  # e.g. "go1.26.8"


@dataclass(frozen=True)
class Pins:
    """The versions the tool modules pin, read from their go.mod files."""

    kubernetes: str  # e.g. "v1.35.4"
    kubernetes_minor: str  # e.g. "35"
    minimum_go: tuple[int, int, int]


def tools_dir() -> Path:
    """The `tools/` directory of the source checkout (override with UNDERTOW_TOOLS_DIR)."""
    override = os.environ.get("UNDERTOW_TOOLS_DIR")
    path = Path(override) if override else Path(__file__).resolve().parents[3] / "tools"
    if not (path / "k8s" / "go.mod").is_file():
        raise LocalClusterError(
            f"the Go tool modules that build the local control plane are not at {path}: "
            "run from a source checkout of undertow or set UNDERTOW_TOOLS_DIR"
        )
    return path


def read_pins(tools: Path) -> Pins:
    k8s_mod = (tools / "k8s" / "go.mod").read_text()
    match = _K8S_REQUIRE.search(k8s_mod)
    if match is None:
        raise LocalClusterError(f"{tools / 'k8s' / 'go.mod'} does not require k8s.io/kubernetes")
    minimum = (0, 0, 0)
    for name in TOOL_MODULES:
        for major, minor, patch in _GO_DIRECTIVE.findall((tools / name / "go.mod").read_text()):
            minimum = max(minimum, (int(major), int(minor), int(patch or 0)))
    return Pins(kubernetes=match.group(1), kubernetes_minor=match.group(2), minimum_go=minimum)


def parse_go_version(text: str) -> tuple[int, int, int] | None:
    match = _GO_VERSION.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def find_go(pins: Pins, *, path_env: str | None = None) -> GoToolchain:
    """Locate `go` (UNDERTOW_GO, then PATH) and check it is new enough for every tool module."""
    explicit = os.environ.get("UNDERTOW_GO")
    search_path = path_env if path_env is not None else os.environ.get("PATH", "")
    go = explicit or shutil.which("go", path=search_path)
    if go is None:
        raise LocalClusterError(
            "building the local control plane needs the Go toolchain, and `go` is not on PATH. "
            + INSTALL_GO_HINT
        )
    try:
        out = subprocess.run(
            [go, "env", "GOVERSION"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env={**os.environ, "GOTOOLCHAIN": "local", "PATH": search_path},
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise LocalClusterError(f"cannot run {go}: {exc}. {INSTALL_GO_HINT}") from exc
    version = out.stdout.strip()
    found = parse_go_version(version)
    need = pins.minimum_go
    if found is None or found < need:
        wanted = "go{}.{}.{}".format(*need)
        raise LocalClusterError(
            f"{go} is {version or 'of unknown version'}, but the tool modules need {wanted} "
            f"or newer (GOTOOLCHAIN=local: no toolchain is downloaded). {INSTALL_GO_HINT}"
        )
    return GoToolchain(path=go, version=version)


def cache_key(tools: Path, go_version: str) -> str:
    """A short hash over every input of the build: sources, pins, Go version, recipe."""
    digest = hashlib.sha256()
    digest.update(f"recipe={RECIPE_VERSION}\ngo={go_version}\n".encode())
    for name in TOOL_MODULES:
        module = tools / name
        for file in sorted(module.iterdir()):
            if file.name in ("go.mod", "go.sum") or file.suffix == ".go":
                digest.update(f"{name}/{file.name}\n".encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def cache_root() -> Path:
    """UNDERTOW_CACHE_DIR, else $XDG_CACHE_HOME/undertow, else ~/.cache/undertow."""
    explicit = os.environ.get("UNDERTOW_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "undertow"
