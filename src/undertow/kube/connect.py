"""`connect()`: open a `KubeApi` with the kubeconfig `undertow.config.kubeconfig` chose.

Which kubeconfig (flag, config file, KUBECONFIG, ~/.kube/config, in-cluster) is decided in
one place, `choose_kubeconfig`; every error here names that choice and how to override it.
A plain kubeconfig (a CA, a client certificate and key or a token) is read by
`undertow.kube.plain_kubeconfig`; any other, and the in-cluster account, by the client's
loader in `undertow.undo.k8s_api` (the same code a version file runs). `kubernetes` is
imported lazily, so that commands that never touch a cluster stay fast.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from undertow import __version__, errors
from undertow.config.kubeconfig import KubeconfigChoice, choose_kubeconfig, explicit
from undertow.kube.api import KubeApi
from undertow.kube.errors import wrap
from undertow.kube.plain_kubeconfig import plain_configuration
from undertow.kube.retry import RetryPolicy, call
from undertow.kube.scratch import remove_dead_credentials
from undertow.undo.k8s_api import api_client, dynamic_client

POOL_SIZE = 32
"""Connections kept open for reuse: as many as the calls scenarios run in parallel (32 pod
deletions). Under the client's default (5 per CPU), each call beyond it opened, and then
dropped, a new TLS connection."""


def _check_context(choice: KubeconfigChoice, context: str | None) -> None:
    """An unknown context is named with the ones the kubeconfig has (the client only says
    it expected an object of that name)."""
    from kubernetes import config

    if not context or not choice.described:
        return
    try:
        contexts, _ = config.list_kube_config_contexts(config_file=choice.described)  # type: ignore[no-untyped-call]
    except _unloadable():
        return  # the credentials' own error follows, with its message
    names = sorted(str(c.get("name")) for c in contexts or [])
    if context not in names:
        raise errors.ClusterUnreachable(
            f"context {context!r} is not in the kubeconfig {choice.described} "
            f"(its contexts: {', '.join(names) or 'none'})",
            hint=f"pass --context NAME (or set UNDERTOW_CONTEXT); {choice.hint}",
        )


USER_AGENT = f"undertow/{__version__}"
"""How undertow names itself to the API server (its audit log's `userAgent`)."""


def _unloadable() -> tuple[type[Exception], ...]:
    """What the client raises for a kubeconfig it cannot load (both imported lazily)."""
    import yaml
    from kubernetes import config

    return (config.ConfigException, yaml.YAMLError, TypeError, AttributeError, KeyError)


def _not_a_kubeconfig(exc: Exception) -> str:
    """Why the client could not read a kubeconfig it choked on (malformed YAML, or YAML of
    the wrong shape, which the client reports only as a TypeError from deep inside)."""
    import yaml

    if isinstance(exc, yaml.YAMLError):
        return f"not valid YAML ({' '.join(str(exc).split())})"
    return "not a kubeconfig (expected a mapping with lists of clusters, users and contexts)"


def _api_client(choice: KubeconfigChoice, context: str | None) -> Any:
    with contextlib.suppress(OSError):  # an unreadable temp dir: nothing of ours to remove
        remove_dead_credentials()
    plain = plain_configuration(choice.path, context) if choice.path and not choice.merged else None
    client = _loaded_client(choice, context) if plain is None else _plain_client(plain)
    client.user_agent = USER_AGENT
    return client


def _plain_client(configuration: Any) -> Any:
    from kubernetes import client

    configuration.connection_pool_maxsize = POOL_SIZE
    return client.ApiClient(configuration)


def _loaded_client(choice: KubeconfigChoice, context: str | None) -> Any:
    """The client's own kubeconfig loader (or the in-cluster account), and its errors."""
    from kubernetes import config

    unloadable = _unloadable()

    _check_context(choice, context)
    try:
        return api_client(choice.described or None, context, pool_size=POOL_SIZE)
    except unloadable as exc:
        where = choice.described or "the in-cluster service account"
        reason = f"{exc}" if isinstance(exc, config.ConfigException) else _not_a_kubeconfig(exc)
        raise errors.ClusterUnreachable(
            f"cannot load cluster credentials from {where}: {reason}", hint=choice.hint
        ) from exc


def connect(
    kubeconfig: Path | KubeconfigChoice | None = None,
    context: str | None = None,
    *,
    retry: RetryPolicy | None = None,
) -> KubeApi:
    """Open the cluster. A Path is a kubeconfig file given directly; None discovers one.

    Raises ConfigError (exit 2) if the kubeconfig does not exist, and
    errors.ClusterUnreachable if the cluster cannot be reached with it.
    """
    if isinstance(kubeconfig, KubeconfigChoice):
        choice = kubeconfig
    elif kubeconfig is not None:
        choice = explicit(kubeconfig)
    else:
        choice = choose_kubeconfig(None, os.environ)
    policy = retry or RetryPolicy()
    api_client = _api_client(choice, context)
    host = api_client.configuration.host
    try:
        dynamic = call(lambda: dynamic_client(api_client), f"connect to {host}", policy=policy)
    except errors.KubeError as exc:
        api_client.close()
        raise errors.ClusterUnreachable(
            f"cannot reach the API server at {host}: {exc}", hint=choice.hint
        ) from exc
    except Exception as exc:
        api_client.close()
        raise errors.ClusterUnreachable(
            str(wrap(exc, f"connect to {host}")), hint=choice.hint
        ) from exc
    return KubeApi(dynamic, retry=policy)
