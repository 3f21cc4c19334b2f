"""`undertow guardian install|uninstall|status|run`: plain functions, no terminal output.

The guardian (`undertow.runner.guardian`) runs as a Deployment of undertow's own image in the
namespace where runs keep their Leases and journal copies, and rolls back every run whose
Lease lapsed. `undertow run --guardian` checks for it (`undertow.runner.guardian.guardian_ready`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from undertow import errors
from undertow.clock import CancelToken, SystemClock
from undertow.commands.guardian_manifests import APP_LABEL, NAME, manifests
from undertow.kube import KubeApi, ObjectRef
from undertow.kube.apply import apply, remove
from undertow.runner.guardian import GUARDIAN_HOLDER, Guardian, GuardianSettings, identity
from undertow.runner.heartbeat import LEASE_PREFIX
from undertow.runner.lease import API_VERSION, KIND, LeaseState


def guardian_install(
    connect: Callable[[], KubeApi],
    namespace: str,
    *,
    image: str,
    interval: float,
    claim: int,
    replicas: int = 1,
    pod_spec: dict[str, Any] | None = None,
) -> list[str]:
    """Apply the guardian's objects in `namespace` (which must exist); what was applied."""
    api = connect()
    try:
        try:
            api.get(ObjectRef("v1", "Namespace", namespace))
        except errors.NotFound as exc:
            raise errors.ConfigError(
                [
                    errors.ConfigIssue(
                        "command line", "--namespace", f"namespace {namespace} does not exist"
                    )
                ]
            ) from exc
        docs = manifests(
            namespace, image=image, interval=interval, claim=claim, replicas=replicas,
            pod_spec=pod_spec,
        )  # fmt: skip
        return [str(ObjectRef.of(apply(api, doc))) for doc in docs]
    finally:
        api.close()


def guardian_uninstall(connect: Callable[[], KubeApi], namespace: str) -> list[str]:
    """Delete the guardian's objects in `namespace` (the Deployment first); what was there."""
    api = connect()
    try:
        docs = manifests(namespace, image="-", interval=1, claim=1)
        return [str(ObjectRef.of(doc)) for doc in reversed(docs) if remove(api, doc)]
    finally:
        api.close()


@dataclass
class GuardianStatus:
    """The Deployment's readiness, and the runs' Leases as the guardian sees them."""

    installed: bool = False
    ready: int = 0
    replicas: int = 0
    live: list[str] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)
    claimed: list[str] = field(default_factory=list)


def guardian_status(
    connect: Callable[[], KubeApi], namespace: str, *, now: Callable[[], float] | None = None
) -> GuardianStatus:
    api = connect()
    try:
        return _status(api, namespace, now or SystemClock().wall)
    finally:
        api.close()


def _status(api: KubeApi, namespace: str, now: Callable[[], float]) -> GuardianStatus:
    status = GuardianStatus()
    deployments = api.list("apps/v1", "Deployment", namespace, label_selector=f"{APP_LABEL}={NAME}")
    for deployment in deployments:
        status.installed = True
        status.replicas += int((deployment.get("spec") or {}).get("replicas") or 0)
        status.ready += int((deployment.get("status") or {}).get("readyReplicas") or 0)
    for lease in api.list(API_VERSION, KIND, namespace):
        state = LeaseState.of(lease)
        if not state.name.startswith(LEASE_PREFIX):
            continue
        if state.holder.startswith(GUARDIAN_HOLDER):
            status.claimed.append(state.name)
        elif state.fresh(now()):
            status.live.append(state.name)
        else:
            status.lapsed.append(state.name)
    return status


def guardian_run(
    connect: Callable[[], KubeApi],
    settings: GuardianSettings,
    *,
    stop: CancelToken,
    log: logging.Logger,
) -> None:
    """The guardian's loop, until `stop` is cancelled (SIGTERM)."""
    api = connect()
    try:
        name = identity()
        log.info("guardian %s watches the runs' Leases in %s", name, settings.namespace)
        Guardian(api, settings, identity=name, clock=SystemClock(), log=log).run(stop)
    finally:
        api.close()
