"""Talking to the Kubernetes API: building the client, classifying its errors, retrying.

The one copy undertow has: the kube layer (`undertow.kube`) builds its client and retries
its calls with these, and a version file run by hand uses them too. `kubernetes` (and its
`urllib3`) is imported inside the functions, so an undo that needs no cluster never
imports it.
"""

import importlib
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
CREDENTIALS_PREFIX = "undertow-credentials-"
"""Names the temp dirs (`<prefix><pid>-*`, 0700) where the client writes credentials."""

_T = TypeVar("_T")


def status_of(exc: BaseException) -> int | None:
    """The HTTP status carried by a kubernetes client exception, if any (0 is none)."""
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) and status > 0 else None


def is_connection_error(exc: BaseException) -> bool:
    """A transport-level failure: the request may or may not have reached the server."""
    import urllib3.exceptions

    return isinstance(exc, (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError))


def is_transient(exc: BaseException) -> bool:
    """Worth another try for a read: 429, 5xx, or a dropped connection."""
    status = status_of(exc)
    return status in RETRYABLE_STATUSES or (status is None and is_connection_error(exc))


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` in all, sleeping `first_delay` s, doubling to `max_delay` s."""

    attempts: int = 5
    first_delay: float = 0.2
    max_delay: float = 5.0


def retrying(
    call: Callable[[], _T],
    *,
    policy: RetryPolicy,
    retryable: Callable[[BaseException], bool] = is_transient,
    sleep: Callable[[float], None] = time.sleep,
) -> _T:
    """Run `call()`, retrying what `retryable` accepts with bounded backoff; the last
    failure (or the first that is not retryable) is raised as it is."""
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except Exception as exc:
            if attempt == policy.attempts or not retryable(exc):
                raise
            sleep(delay)
            delay = min(delay * 2, policy.max_delay)
    raise AssertionError("unreachable: the loop returns or raises")


def import_kubernetes_lazily() -> None:
    """Let `import kubernetes.<name>` load that subpackage alone.

    The client's package `__init__` imports every subpackage, its kubeconfig loader among
    them, which pulls in `requests`, `requests_oauthlib` and `oauthlib` (about 0.2 s of CPU
    and 13 MiB per process) even where a client is built without it. The package module is
    created here without running its `__init__`: a subpackage is imported when first named,
    and the first other name looked up on it runs the `__init__` after all, so the package
    still offers all it has. A no-op once the package is imported.
    """
    if "kubernetes" in sys.modules:
        return
    spec = importlib.util.find_spec("kubernetes")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    from importlib import metadata

    try:
        version = metadata.version("kubernetes")
    except metadata.PackageNotFoundError:
        return
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def attribute(name: str) -> Any:
        if importlib.util.find_spec(f"kubernetes.{name}") is not None:
            return importlib.import_module(f"kubernetes.{name}")
        package.__dict__.pop("__getattr__", None)
        loader.exec_module(package)
        return getattr(package, name)

    package.__dict__["__version__"] = version  # what its discovery module imports from it
    package.__dict__["__getattr__"] = attribute
    sys.modules["kubernetes"] = package


def api_client(kubeconfig: str | None, context: str | None, pool_size: int | None = None) -> Any:
    """An ApiClient from a kubeconfig (several files separated by the path separator are
    merged), or from the in-cluster service account when `kubeconfig` is None. Raises the
    client's `ConfigException` when the credentials cannot be loaded.

    Credentials stay off disk. The client writes a certificate, key or CA given as data to
    temp files (removed only by an atexit hook, which SIGKILL skips) and names them in its
    configuration. Here it writes them into a fresh 0700 dir of the temp dir
    (`CREDENTIALS_PREFIX<pid>-*`); their contents move to anonymous in-memory files
    (`memfd_create`, named `/proc/self/fd/N`, gone with the process however it ends) and the
    dir is removed before this returns. Where the OS has no memfd, the dir is kept until the
    process exits. undertow removes the dirs of processes that are gone when it connects.
    """
    import_kubernetes_lazily()
    from kubernetes import client, config

    configuration = client.Configuration()
    scratch = tempfile.mkdtemp(prefix=f"{CREDENTIALS_PREFIX}{os.getpid()}-")
    in_memory = hasattr(os, "memfd_create")
    try:
        if kubeconfig is not None:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig,
                context=context,
                client_configuration=configuration,
                temp_file_path=scratch,
            )
        else:
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        if in_memory:
            _credentials_to_memory(configuration, scratch)
    finally:
        if in_memory:
            shutil.rmtree(scratch, ignore_errors=True)
    if pool_size is not None:
        configuration.connection_pool_maxsize = pool_size
    return client.ApiClient(configuration)


def _credentials_to_memory(configuration: Any, scratch: str) -> None:
    """Point the configuration's CA, certificate and key files that the client wrote into
    `scratch` at in-memory copies instead (the user's own files are left as named)."""
    for attr in ("ssl_ca_cert", "cert_file", "key_file"):
        path = getattr(configuration, attr)
        if path and os.path.dirname(os.path.abspath(path)) == os.path.abspath(scratch):
            with open(path, "rb") as handle:
                content = handle.read()
            fd = os.memfd_create(f"undertow-{attr}")  # close-on-exec; lives with the process
            with open(fd, "wb", closefd=False) as memory:
                memory.write(content)
            setattr(configuration, attr, f"/proc/self/fd/{fd}")


def kubeconfig_from_environment(kubeconfig: str | None) -> str | None:
    """For a version file run by hand: --kubeconfig, then $KUBECONFIG, then ~/.kube/config,
    else None (the in-cluster service account)."""
    path = kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    return path if kubeconfig or os.path.exists(path.split(os.pathsep)[0]) else None


def dynamic_client(api: Any) -> Any:
    """A DynamicClient over ApiClient `api`, whose discovery cache stays private.

    By default the client caches discovery in a predictable file in the shared temp dir,
    which another local user could plant; a fresh private dir, removed at once, avoids it
    (later cache writes fail silently, by the client's design).
    """
    import_kubernetes_lazily()
    from kubernetes import dynamic

    private = tempfile.mkdtemp(prefix="undertow-discovery-")
    try:
        cache = os.path.join(private, "cache.json")
        return dynamic.DynamicClient(api, cache_file=cache)  # type: ignore[no-untyped-call]
    finally:
        shutil.rmtree(private, ignore_errors=True)


def find_resource(dyn: Any, api_version: str, kind: str) -> Any:
    """The DynamicClient's resource for a kind, looked up where its group lives: the core
    group (`v1`) under /api, the others under /apis. Without the prefix the client searches
    both, and reads the resource list of every group that serves the same version (a
    request each, some twenty on a bare cluster) to find a core kind."""
    prefix = "apis" if "/" in api_version else "api"
    return dyn.resources.get(prefix=prefix, api_version=api_version, kind=kind)


def exec_in_pod(
    api: Any, namespace: str, pod: str, container: str, command: list[str], *, timeout: float
) -> tuple[int | None, str, str]:
    """Run `command` in a container (`kubectl exec`): (exit code, stdout, stderr). The exit
    code is None when the kubelet sent none (the container stopped meanwhile). Uses an
    ApiClient of its own: the stream swaps the client's request method while it runs."""
    import json

    from kubernetes import client
    from kubernetes.stream import stream

    own: Any = client.ApiClient(configuration=api.configuration)
    try:
        session = stream(
            client.CoreV1Api(own).connect_get_namespaced_pod_exec,
            pod,
            namespace,
            container=container,
            command=command,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
        )
        try:
            session.run_forever(timeout=timeout)
            out, err, raw = session.read_stdout(), session.read_stderr(), session.read_channel(3)
        finally:
            session.close()
    finally:
        own.close()
    if not raw:
        return None, out or "", err or ""
    status: Any = json.loads(raw)
    if status.get("status") == "Success":
        return 0, out or "", err or ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            return int(cause.get("message")), out or "", err or ""
    return None, out or "", (err or "") + str(status.get("message") or raw)


def exec_argv(
    dyn: Any, where: tuple[str, str, str], argv: list[str], timeout: float = 60.0
) -> tuple[int | None, str]:
    """Run `argv` (no shell unless it names one) in the container `where` (namespace, pod,
    container): (exit code, stdout and stderr together); see `exec_in_pod`."""
    code, out, err = exec_in_pod(dyn.client, *where, argv, timeout=timeout)
    return code, out + err
