"""Talking to the Kubernetes API: building the client, classifying its errors, retrying.

The one copy undertow has: the kube layer (`undertow.kube`) builds its client and retries
its calls with these, and a version file run by hand uses them too. `kubernetes` (and its
`urllib3`) is imported inside the functions, so an undo that needs no cluster never
imports it.
"""

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})

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


def api_client(
    kubeconfig: str | None,
    context: str | None,
    pool_size: int | None = None,
    scratch_dir: str | None = None,
) -> Any:
    """An ApiClient from a kubeconfig (several files separated by the path separator are
    merged), or from the in-cluster service account when `kubeconfig` is None. Raises the
    client's `ConfigException` when the credentials cannot be loaded.

    Credentials stay in memory. The client writes a certificate, key or CA given as data to
    temp files (removed only by an atexit hook, which SIGKILL skips) and hands their paths
    to every new connection. Here it writes them into a fresh 0700 dir inside `scratch_dir`
    (default: the system temp dir), they are loaded into one `ssl.SSLContext`, and the dir
    is removed before this returns: no key or token is left on disk, whatever ends the
    process later.
    """
    from kubernetes import client, config

    configuration = client.Configuration()
    scratch = tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=scratch_dir)
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
        ssl_context = _tls_in_memory(configuration)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if pool_size is not None:
        configuration.connection_pool_maxsize = pool_size
    api = client.ApiClient(configuration)
    if ssl_context is not None:
        api.rest_client.pool_manager.connection_pool_kw["ssl_context"] = ssl_context
    return api


def _tls_in_memory(configuration: Any) -> Any:
    """An `ssl.SSLContext` holding the configuration's CA and client certificate and key,
    which are then dropped from it as paths; None when it names none of them."""
    import ssl

    ca, cert, key = configuration.ssl_ca_cert, configuration.cert_file, configuration.key_file
    if not (ca or cert):
        return None
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if configuration.verify_ssl:
        if ca:
            tls.load_verify_locations(cafile=ca)
        else:
            tls.load_default_certs()
    else:
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    if cert:
        tls.load_cert_chain(certfile=cert, keyfile=key)
    configuration.ssl_ca_cert = configuration.cert_file = configuration.key_file = None
    return tls


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
    from kubernetes import dynamic

    private = tempfile.mkdtemp(prefix="undertow-discovery-")
    try:
        cache = os.path.join(private, "cache.json")
        return dynamic.DynamicClient(api, cache_file=cache)  # type: ignore[no-untyped-call]
    finally:
        shutil.rmtree(private, ignore_errors=True)
