"""Read what a helper pod found out before it changed anything (the kubelet's control, the
previous IO limits): a file its `fault` container writes first thing, read once it runs."""

from __future__ import annotations

from undertow.clock import CancelToken, Clock
from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.kube.exec import exec_in_container
from undertow.kube.refs import ObjectRef
from undertow.scenarios.common.waiting import wait_until

START_TIMEOUT = 120.0
"""Seconds a helper pod may take to be scheduled, start and write its file."""
POLL_SECONDS = 0.5


def read_when_written(
    api: KubeApi,
    ref: ObjectRef,
    path: str,
    *,
    what: str,
    clock: Clock,
    cancel: CancelToken,
    timeout: float = START_TIMEOUT,
) -> str:
    """The text of `path` in helper pod `ref`'s `fault` container, once it is Running and the
    file exists; ScenarioError if the pod ends first or `timeout` passes (`what` names the pod
    in the message)."""
    seen: dict[str, str] = {}

    def written() -> bool:
        pod = api.get(ref)
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            raise ScenarioError(f"the {what} {ref.name} ended ({phase}) before its start")
        if phase != "Running":
            return False
        result = exec_in_container(api, str(ref.namespace), ref.name, "fault", ["cat", path])
        seen["text"] = result.stdout
        return result.returncode == 0

    outcome = wait_until(
        written, timeout=timeout, interval=POLL_SECONDS, clock=clock, cancel=cancel
    )
    if not outcome.done:
        raise ScenarioError(f"the {what} {ref.name} did not write {path} in time")
    return seen["text"]
