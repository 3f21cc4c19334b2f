"""From resolved settings to the cluster: the one way every command connects.

The settings (`undertow.config.Connection`, resolved by the config layer) name the
kubeconfig; here it is chosen (`choose_kubeconfig`: a missing file is bad input, exit 2)
when a command is about to connect, and its notice, if any, logged once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from undertow.config import Connection, KubeconfigChoice, choose_kubeconfig

if TYPE_CHECKING:
    from undertow.kube import KubeApi


def kubeconfig_for(connection: Connection, *, log: logging.Logger) -> KubeconfigChoice:
    """The kubeconfig to connect with; ConfigError (exit 2) before anything is opened."""
    choice = choose_kubeconfig(connection.kubeconfig, os.environ)
    if choice.notice:
        log.warning("%s", choice.notice)
    log.debug("kubeconfig: %s", choice.hint)
    return choice


def connector(connection: Connection, *, log: logging.Logger) -> Callable[[], KubeApi]:
    """A function that opens the cluster when (and each time) it is called."""

    def connect() -> KubeApi:
        from undertow.kube import connect as open_cluster

        return open_cluster(kubeconfig_for(connection, log=log), connection.context)

    return connect
