"""`connect()`: find the cluster's credentials and open a `KubeApi`.

Discovery order: an explicit kubeconfig path, then $KUBECONFIG, then ~/.kube/config,
then the in-cluster service account. `kubernetes` is imported here, lazily, so that
commands that never touch a cluster stay fast.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from undertow import errors
from undertow.kube.api import KubeApi
from undertow.kube.errors import wrap
from undertow.kube.retry import RetryPolicy, call

POOL_SIZE = 32
"""Connections kept open for reuse: as many as the calls scenarios run in parallel (32 pod
deletions). Under the client's default (5 per CPU), each call beyond it opened, and then
dropped, a new TLS connection."""


def _kubeconfig_path(explicit: str | None) -> str | None:
    if explicit:
        if not Path(explicit).expanduser().is_file():
            raise errors.ClusterUnreachable(f"kubeconfig {explicit} does not exist")
        return str(Path(explicit).expanduser())
    env = os.environ.get("KUBECONFIG")
    if env:
        return env  # may list several files separated by os.pathsep; the client merges them
    home = Path("~/.kube/config").expanduser()
    return str(home) if home.is_file() else None


def _api_client(kubeconfig: str | None, context: str | None) -> Any:
    from kubernetes import client, config

    path = _kubeconfig_path(kubeconfig)
    configuration = client.Configuration()
    try:
        if path is not None:
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=path, context=context, client_configuration=configuration
            )
        else:
            config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        configuration.connection_pool_maxsize = POOL_SIZE
        return client.ApiClient(configuration)
    except config.ConfigException as exc:
        where = path or "in-cluster service account (no kubeconfig found)"
        raise errors.ClusterUnreachable(
            f"cannot load cluster credentials from {where}: {exc}"
        ) from exc


def dynamic_client(api_client: Any) -> Any:
    """A DynamicClient whose discovery cache stays private.

    By default the client caches discovery in a predictable file in the shared temp dir,
    which another local user could plant; a fresh private dir, removed at once, avoids it
    (later cache writes fail silently, by the client's design).
    """
    from kubernetes import dynamic

    private = tempfile.mkdtemp(prefix="undertow-discovery-")
    try:
        cache = os.path.join(private, "cache.json")
        return dynamic.DynamicClient(api_client, cache_file=cache)  # type: ignore[no-untyped-call]
    finally:
        shutil.rmtree(private, ignore_errors=True)


def connect(
    kubeconfig: str | None = None,
    context: str | None = None,
    *,
    retry: RetryPolicy | None = None,
) -> KubeApi:
    """Open the cluster; raises errors.ClusterUnreachable if it cannot be reached."""
    policy = retry or RetryPolicy()
    api_client = _api_client(kubeconfig, context)
    host = api_client.configuration.host
    try:
        dynamic = call(lambda: dynamic_client(api_client), f"connect to {host}", policy=policy)
    except errors.KubeError as exc:
        api_client.close()
        raise errors.ClusterUnreachable(f"cannot reach the API server at {host}: {exc}") from exc
    except Exception as exc:
        api_client.close()
        raise errors.ClusterUnreachable(str(wrap(exc, f"connect to {host}"))) from exc
    return KubeApi(dynamic, retry=policy)
