"""Container images for the real node, built here without a registry.

Each image is one uncompressed layer written as a docker-archive tar (what `ctr images import`
reads): files taken from this host's Debian packages, every mtime 0 and entries sorted, so the
same packages give byte-identical images. Images are imported under their `undertow.local/...`
names, and pods use them with `imagePullPolicy: IfNotPresent` (nothing is ever pulled).

- `pause`: the sandbox image (containerd's `sandbox_image`): busybox's `sleep`.
- `busybox`: busybox-static with all its applets, /etc/passwd, a /var/www/index.html for
  `httpd`, /tmp. The base of the sample workload and of tests.
- `tools`: busybox plus what the fault families run inside pods and on the node: `tc` and the
  full `ip` (iproute2), `nft` (nftables), `stress-ng`, `fallocate` (util-linux), `hping3`, each
  with the shared libraries `ldd` names, and `vegeta` (built from the Go module proxy,
  `undertow.cluster.vegeta`); /bin/sh is dash, so PATH finds the full tools first.
- `python`: busybox plus Debian's python3.11 and its standard library (no test suite, no
  tkinter/idle): runs undertow's stdlib-only service hijacker.
- `undertow` (built on request, `undertow_image`): the python image plus undertow's wheel and
  its dependencies (manylinux wheels for CPython 3.11 from PyPI, installed with pip into
  /opt/undertow), entrypoint `python3 -m undertow`: the in-cluster Job and the guardian.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from undertow.errors import LocalClusterError

REGISTRY = "undertow.local"
TAG = "local"
BUSYBOX_BINARY = "/bin/busybox"
INDEX_HTML = b"hello from undertow's real node\n"


def image_ref(name: str) -> str:
    return f"{REGISTRY}/{name}:{TAG}"


PAUSE = image_ref("pause")
BUSYBOX = image_ref("busybox")
TOOLS = image_ref("tools")
PYTHON = image_ref("python")
UNDERTOW = image_ref("undertow")
UNDERTOW_SITE = "opt/undertow"

TOOLS_BINARIES = (
    "/usr/sbin/tc",
    "/usr/sbin/ip",
    "/usr/sbin/nft",
    "/usr/bin/stress-ng",
    "/usr/bin/fallocate",
    "/usr/sbin/hping3",
)
PYTHON_BINARY = "/usr/bin/python3.11"
DASH = "/usr/bin/dash"
PYTHON_LIB = "/usr/lib/python3.11"
PYTHON_SKIP = frozenset(
    {
        "test",
        "idlelib",
        "tkinter",
        "turtledemo",
        "ensurepip",
        "lib2to3",
        "pydoc_data",
        "__pycache__",
        "dist-packages",
        "site-packages",
    }
)
# Full tools before busybox's applets of the same name (ip, dd...).
SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_LDD_LINE = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x[0-9a-f]+\)")


@dataclass(frozen=True)
class Entry:
    """One tar member: a directory, a file (content) or a symlink (target)."""

    path: str
    mode: int = 0o755
    content: bytes | None = None
    link: str | None = None


@dataclass(frozen=True)
class Image:
    ref: str
    entries: tuple[Entry, ...]
    entrypoint: Sequence[str] | None = None
    cmd: Sequence[str] | None = None
    env: Mapping[str, str] = field(default_factory=lambda: {"PATH": "/bin:/usr/bin"})


def _busybox_entries() -> list[Entry]:
    busybox = shutil.which("busybox") or BUSYBOX_BINARY
    try:
        applets = subprocess.run(
            [busybox, "--list"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.split()
        binary = Path(busybox).read_bytes()
    except (OSError, subprocess.SubprocessError) as exc:
        raise LocalClusterError(f"cannot read {busybox} for the node's images: {exc}") from exc
    entries = [Entry(d) for d in ("bin", "etc", "proc", "sys", "dev", "root", "var", "usr")]
    entries += [Entry("var/www"), Entry("usr/bin"), Entry("tmp", 0o1777)]
    entries.append(Entry("bin/busybox", 0o755, binary))
    entries += [Entry(f"bin/{a}", link="busybox") for a in applets if a != "busybox"]
    entries += [
        Entry(
            "etc/passwd",
            0o644,
            b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        ),
        Entry("etc/group", 0o644, b"root:x:0:\nnogroup:x:65534:\n"),
        Entry("var/www/index.html", 0o644, INDEX_HTML),
    ]
    return entries


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise LocalClusterError(f"cannot read {path} for the node's images: {exc}") from exc


def shared_libraries(binary: str) -> list[str]:
    """The libraries (and the ELF interpreter) `ldd` says `binary` loads."""
    try:
        out = subprocess.run(
            ["ldd", binary], capture_output=True, text=True, check=False, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise LocalClusterError(f"ldd {binary} failed: {exc}") from exc
    return sorted({m.group(1) for m in map(_LDD_LINE.search, out.splitlines()) if m})


def host_files(binaries: Iterable[str]) -> list[Entry]:
    """The binaries and every library they load, at the paths the loader looks for them."""
    wanted: set[str] = set()
    for binary in binaries:
        if not os.path.isfile(binary):
            raise LocalClusterError(f"{binary} is missing: the node's images need it")
        wanted.add(binary)
        wanted.update(shared_libraries(binary))
    return _host_copies(wanted)


def _host_copies(paths: Iterable[str]) -> list[Entry]:
    """Copies of host files (symlinks followed) at the same paths in the image."""
    return [Entry(path.lstrip("/"), 0o755, _read(os.path.realpath(path))) for path in sorted(paths)]


def python_entries() -> list[Entry]:
    """Debian's python3.11, its standard library and the libraries its extension modules load."""
    entries: list[Entry] = []
    extensions: list[str] = []
    for current, dirs, files in os.walk(PYTHON_LIB):
        dirs[:] = sorted(d for d in dirs if d not in PYTHON_SKIP)
        for name in sorted(files):
            path = os.path.join(current, name)
            if name.endswith(".so"):
                extensions.append(path)
            elif os.path.islink(path) or not name.endswith((".py", ".pth")):
                continue
            entries.append(Entry(path.lstrip("/"), 0o644, _read(path)))
    # Libraries both the interpreter and an extension load come twice; `_merge` keeps one.
    entries += host_files([PYTHON_BINARY])
    entries += _host_copies({lib for ext in extensions for lib in shared_libraries(ext)})
    entries.append(Entry("usr/bin/python3", link="python3.11"))
    return entries


def _merge(*groups: Iterable[Entry]) -> tuple[Entry, ...]:
    """Later groups win on the same path; parent directories are added where missing."""
    merged: dict[str, Entry] = {}
    for group in groups:
        for entry in group:
            merged[entry.path] = entry
    for path in list(merged):
        parent = os.path.dirname(path)
        while parent and parent not in merged:
            merged[parent] = Entry(parent)
            parent = os.path.dirname(parent)
    return tuple(merged.values())


def _dash_as_sh() -> list[Entry]:
    """Debian's dash as /bin/sh: busybox's sh runs its own applets before PATH (`tc` would be
    busybox's, not iproute2's), dash follows PATH like any shell."""
    return [*host_files([DASH]), Entry("bin/sh", 0o755, _read(DASH))]


def default_images(vegeta: Path | None = None) -> list[Image]:
    """The node's images; the `tools` image holds `vegeta` when its binary is given."""
    base = tuple(_busybox_entries())
    env = {"PATH": SEARCH_PATH}
    load = [Entry("usr/bin/vegeta", 0o755, _read(str(vegeta)))] if vegeta else []
    tools = _merge(base, host_files(TOOLS_BINARIES), _dash_as_sh(), load)
    python = _merge(base, python_entries(), _dash_as_sh())
    return [
        Image(PAUSE, base, entrypoint=("/bin/sleep", "2147483647")),
        Image(BUSYBOX, base, cmd=("sh",)),
        Image(TOOLS, tools, cmd=("sh",), env=env),
        Image(PYTHON, python, cmd=("python3",), env=env),
    ]


def _layer(entries: Iterable[Entry]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(entries, key=lambda e: e.path):
            info = tarfile.TarInfo(entry.path)
            info.mtime = 0
            info.mode = entry.mode
            if entry.link is not None:
                info.type = tarfile.SYMTYPE
                info.linkname = entry.link
                tar.addfile(info)
            elif entry.content is not None:
                info.size = len(entry.content)
                tar.addfile(info, io.BytesIO(entry.content))
            else:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
    return buf.getvalue()


def archive(image: Image) -> bytes:
    """The image as a docker-archive tar (manifest.json, config, one layer)."""
    layer = _layer(image.entries)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Env": [f"{k}={v}" for k, v in image.env.items()],
            "Entrypoint": list(image.entrypoint) if image.entrypoint else None,
            "Cmd": list(image.cmd) if image.cmd else None,
            "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "undertow cluster images"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [image.ref], "Layers": ["layer.tar"]}]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        members = (
            (config_name, config_bytes),
            ("layer.tar", layer),
            ("manifest.json", json.dumps(manifest).encode()),
        )
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write_archives(images: Iterable[Image], directory: Path) -> dict[str, Path]:
    """Write each image's archive into `directory`; returns ref -> tar path."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for image in images:
        name = image.ref.split("/", 1)[1].replace("/", "_").replace(":", "_")
        path = directory / f"{name}.tar"
        path.write_bytes(archive(image))
        written[image.ref] = path
    return written


def _source_key(repo: Path) -> str:
    """A hash of what goes into undertow's wheel: pyproject.toml and every file under src/."""
    digest = hashlib.sha256((repo / "pyproject.toml").read_bytes())
    for path in sorted((repo / "src").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(repo)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _pip(python: str, *args: str, log: Path) -> None:
    with log.open("a") as out:
        done = subprocess.run(
            [python, "-m", "pip", "--disable-pip-version-check", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=1800,
        )
    if done.returncode != 0:
        raise LocalClusterError(f"pip {args[0]} for the undertow image failed; log: {log}")


def undertow_site(repo: Path, cache: Path, python: str) -> Path:
    """undertow and its dependencies installed for CPython 3.11 on manylinux (cached by source)."""
    site = cache / f"undertow-site-{_source_key(repo)}"
    if (site / ".complete").is_file():
        return site
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="undertow-site-", dir=cache))
    log = cache / "undertow-site.log"
    log.write_text("")
    try:
        _pip(python, "wheel", "--quiet", "--no-deps", "-w", str(work / "wheel"), str(repo), log=log)
        wheels = sorted((work / "wheel").glob("undertow-*.whl"))
        _pip(
            python,
            "install",
            "--quiet",
            "--no-compile",
            "--target",
            str(work / "site"),
            "--only-binary=:all:",
            "--platform",
            "manylinux_2_17_x86_64",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
            "--abi",
            "cp311",
            *map(str, wheels),
            log=log,
        )
        (work / "site" / ".complete").write_text("")
        if site.exists():
            shutil.rmtree(site)
        os.replace(work / "site", site)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return site


def undertow_image(repo: Path, cache: Path, python: str) -> Image:
    site = undertow_site(repo, cache, python)
    files: list[Entry] = []
    extensions: list[str] = []
    for path in sorted(site.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.name == ".complete":
            continue
        if path.name.endswith(".so"):
            extensions.append(str(path))
        mode = 0o755 if os.access(path, os.X_OK) else 0o644
        files.append(Entry(f"{UNDERTOW_SITE}/{path.relative_to(site)}", mode, path.read_bytes()))
    # System libraries the wheels' extensions load (libraries a wheel bundles are in the site).
    libraries = {
        lib for ext in extensions for lib in shared_libraries(ext) if not lib.startswith(str(site))
    }
    entries = _merge(
        _busybox_entries(),
        python_entries(),
        _dash_as_sh(),
        _host_copies(libraries),
        files,
    )
    return Image(
        UNDERTOW,
        entries,
        entrypoint=("python3", "-m", "undertow"),
        env={"PATH": SEARCH_PATH, "PYTHONPATH": f"/{UNDERTOW_SITE}", "HOME": "/tmp"},  # noqa: S108
    )
