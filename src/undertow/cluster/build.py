"""Build etcd, the Kubernetes commands (control plane, kubelet, kube-proxy) and kwok; cache them.

The build goes into a temporary sibling directory that is renamed into place only when all
binaries and kwok's stage files are there, so an interrupted build never looks like a cached one.
`go build -v` names each package it compiles; those lines drive the progress messages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from undertow.cluster.toolchain import (
    K8S_TAGS,
    GoToolchain,
    Pins,
    cache_key,
    cache_root,
    find_go,
    read_pins,
    tools_dir,
)
from undertow.errors import LocalClusterError

Progress = Callable[[str], None]

K8S_COMMANDS = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
)
BINARIES = ("etcd", *K8S_COMMANDS, "kwok")
KWOK_MODULE = "sigs.k8s.io/kwok"
PROGRESS_EVERY_S = 15.0


@dataclass(frozen=True)
class Binaries:
    """A complete, cached set of control-plane binaries."""

    root: Path  # <cache>/k8s-<version>-<key>

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    @property
    def stages_dir(self) -> Path:
        """kwok's stage YAMLs (kustomize/stage of the pinned kwok module)."""
        return self.root / "stages"

    def path(self, name: str) -> Path:
        return self.bin_dir / name

    def build_record(self) -> dict[str, object]:
        """What build.json recorded: versions and seconds per step."""
        loaded: dict[str, object] = json.loads((self.root / "build.json").read_text())
        return loaded

    def complete(self) -> bool:
        return (self.root / "build.json").is_file() and all(
            os.access(self.path(name), os.X_OK) for name in BINARIES
        )


@dataclass(frozen=True)
class _Step:
    label: str
    module: str  # directory under tools/
    packages: tuple[str, ...]
    output: str  # go build -o
    ldflags: str = "-s -w"
    tags: str = ""

    def flags(self) -> list[str]:
        return ["-tags", self.tags] if self.tags else []

    def build_args(self) -> list[str]:
        return [
            "build",
            "-v",
            *self.flags(),
            "-ldflags",
            self.ldflags,
            "-o",
            self.output,
            *self.packages,
        ]


def k8s_ldflags(pins: Pins) -> str:
    """Stamp the real version: unstamped binaries report v0.0.0-master, which confuses clients."""
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={pins.kubernetes}",
            f"-X {pkg}.gitMajor=1",
            f"-X {pkg}.gitMinor={pins.kubernetes_minor}",
            f"-X {pkg}.gitTreeState=clean",
        ]
    return " ".join(flags)


def _steps(pins: Pins, out: Path) -> list[_Step]:
    return [
        _Step(
            f"{', '.join(K8S_COMMANDS)} {pins.kubernetes}",
            "k8s",
            tuple(f"k8s.io/kubernetes/cmd/{name}" for name in K8S_COMMANDS),
            f"{out}/",
            ldflags=k8s_ldflags(pins),
            tags=K8S_TAGS,
        ),
        _Step("etcd", "etcd", (".",), str(out / "etcd")),
        _Step("kwok", "kwok", (f"{KWOK_MODULE}/cmd/kwok",), str(out / "kwok")),
    ]


def go_env(go: GoToolchain, base: dict[str, str] | None = None) -> dict[str, str]:
    """Never download a toolchain, link statically, keep paths out of the binaries."""
    env = dict(os.environ if base is None else base)
    env.update(
        GOTOOLCHAIN="local", CGO_ENABLED="0", GOFLAGS="-trimpath -mod=readonly -buildvcs=false"
    )
    env["PATH"] = f"{Path(go.path).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run_step(
    step: _Step, go: GoToolchain, cwd: Path, env: dict[str, str], *, log: Path, progress: Progress
) -> None:
    cmd = [go.path, *step.build_args()]
    total = _count_packages(step, go, cwd, env)
    tail: deque[str] = deque(maxlen=40)
    count = downloads = 0
    started = time.monotonic()
    with log.open("a") as sink:
        sink.write(f"$ (cd {cwd} && {' '.join(cmd)})\n")
        sink.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(PROGRESS_EVERY_S):
                fetched = f" ({downloads} modules downloaded)" if downloads else ""
                progress(
                    f"  {step.label}: {count} of at most {total} packages compiled{fetched}, "
                    f"{time.monotonic() - started:.0f}s elapsed"
                )

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            for line in proc.stdout:
                sink.write(line)
                tail.append(line.rstrip("\n"))
                if line.startswith("go: downloading"):
                    downloads += 1
                else:
                    count += 1
            code = proc.wait()
        finally:
            stop.set()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
    if code != 0:
        raise LocalClusterError(
            f"building {step.label} failed (exit {code}); full log: {log}\n" + "\n".join(tail)
        )


def _count_packages(step: _Step, go: GoToolchain, cwd: Path, env: dict[str, str]) -> int | str:
    """How many packages the step may compile (cached ones are not compiled again).

    On a cold module cache this is where the modules are downloaded.
    """
    out = subprocess.run(
        [go.path, "list", "-deps", *step.flags(), *step.packages],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return len(out.stdout.split()) if out.returncode == 0 else "?"


def _copy_stages(go: GoToolchain, tools: Path, env: dict[str, str], dest: Path) -> None:
    """Copy kwok's stage YAMLs out of the module cache, so running never needs Go."""
    out = subprocess.run(
        [go.path, "list", "-m", "-f", "{{.Dir}}", KWOK_MODULE],
        check=False,
        cwd=tools / "kwok",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    source = Path(out.stdout.strip()) / "kustomize" / "stage"
    if out.returncode != 0 or not source.is_dir():
        raise LocalClusterError(f"kwok's stage files not found in the module cache: {out.stderr}")
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("testdata", "*.go", "*.md"))


def binaries_for(
    tools: Path | None = None, go: GoToolchain | None = None, root: Path | None = None
) -> tuple[Binaries, Pins, GoToolchain]:
    """Where the binaries for the current pins and Go version live (built or not)."""
    tools = tools or tools_dir()
    pins = read_pins(tools)
    go = go or find_go(pins)
    key = cache_key(tools, go.version)
    return Binaries((root or cache_root()) / f"k8s-{pins.kubernetes}-{key}"), pins, go


def ensure_binaries(
    progress: Progress, *, root: Path | None = None, force: bool = False
) -> Binaries:
    """Return the cached binaries for the current pins, building them first when needed."""
    tools = tools_dir()
    binaries, pins, go = binaries_for(tools, root=root)
    if binaries.complete() and not force:
        return binaries
    binaries.root.parent.mkdir(parents=True, exist_ok=True)
    work = Path(
        tempfile.mkdtemp(prefix=f"{binaries.root.name}.building-", dir=binaries.root.parent)
    )
    try:
        env = go_env(go)
        log = binaries.root.parent / f"{binaries.root.name}.build.log"  # kept on failure
        log.write_text("")
        timings: dict[str, float] = {}
        progress(
            f"building the local control plane ({pins.kubernetes}, {go.version}) into "
            f"{binaries.root}; the first build takes a while, the log is {log}"
        )
        for step in _steps(pins, work / "bin"):
            progress(f"  go build {step.label} ...")
            started = time.monotonic()
            _run_step(step, go, tools / step.module, env, log=log, progress=progress)
            timings[step.module] = round(time.monotonic() - started, 1)
            progress(f"  {step.label}: done in {timings[step.module]:.0f}s")
        _copy_stages(go, tools, env, work / "stages")
        record = {
            "kubernetes": pins.kubernetes,
            "go": go.version,
            "seconds": timings,
            "finished": time.time(),
        }
        (work / "build.json").write_text(json.dumps(record, indent=2) + "\n")
        if binaries.root.exists():
            shutil.rmtree(binaries.root)
        os.replace(work, binaries.root)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    progress(f"built in {sum(timings.values()):.0f}s: {binaries.bin_dir}")
    return binaries
