"""Run a command inside a container (`kubectl exec`), through the API server and the kubelet.

`undertow.rollback.client.JournaledClient` calls this for a command that changes something,
after it has recorded what the command does; scenarios call it only to read (a helper pod's
look at the target before any change). The exec stream gets its own ApiClient:
`kubernetes.stream` swaps the client's request method while it runs, which must not leak
into calls other threads make meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from undertow.kube.api import KubeApi
from undertow.kube.errors import wrap

EXEC_TIMEOUT = 30.0
"""Seconds a command may run; the container kill's `kill` returns at once."""


_NOT_FOUND = ("executable file not found", "no such file or directory")
ERROR_CHANNEL = 3
"""The stream channel on which the kubelet sends the command's final status (a v1.Status)."""


@dataclass(frozen=True)
class ExecResult:
    """The command's exit status and its output. `returncode` is None when the kubelet
    reported none: the command could not start (`not_started`), or the container stopped
    while it ran (a command that kills the container's main process ends with it)."""

    returncode: int | None
    stdout: str
    stderr: str

    @property
    def not_started(self) -> bool:
        """The command is not in the image (the runtime could not start it)."""
        return self.returncode is None and any(h in self.stderr for h in _NOT_FOUND)

    @property
    def cut_short(self) -> bool:
        """The command was stopped from outside: no status, or killed by a signal (128+n).
        When the container's main process exits, the kernel kills every other process of
        the container, the command included: that is how a signal that stops it shows."""
        if self.returncode is None:
            return not self.not_started
        return self.returncode > 128


def exec_in_container(
    api: KubeApi,
    namespace: str,
    pod: str,
    container: str,
    command: Sequence[str],
    *,
    timeout: float = EXEC_TIMEOUT,
) -> ExecResult:
    """Run `command` in `container` of `pod`; raises undertow's KubeError if the exec could
    not be started (pod gone, container not running, forbidden)."""
    from kubernetes import client
    from kubernetes.stream import stream

    api_client: Any = client.ApiClient(configuration=api.dynamic.client.configuration)
    try:
        core = client.CoreV1Api(api_client)
        try:
            session = stream(
                core.connect_get_namespaced_pod_exec,
                pod,
                namespace,
                container=container,
                command=list(command),
                stderr=True,
                stdin=False,
                stdout=True,
                tty=False,
                _preload_content=False,
            )
        except Exception as exc:
            raise wrap(exc, f"exec in {namespace}/{pod} container {container}") from exc
        try:
            session.run_forever(timeout=timeout)
            stdout, stderr = session.read_stdout(), session.read_stderr()
            status = session.read_channel(ERROR_CHANNEL)
        finally:
            session.close()
        returncode, failure = _exit_status(status)
        return ExecResult(returncode, stdout or "", (stderr or "") + failure)
    finally:
        api_client.close()


def _exit_status(raw: str) -> tuple[int | None, str]:
    """(exit code, failure message) from the status the kubelet sent: Success is 0; a
    command that ran and failed carries its exit code as the cause; a command that could not
    start (no such executable) has no code, only a message."""
    if not raw:
        return None, ""
    try:
        status: Any = json.loads(raw)
    except ValueError:
        return None, raw
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message")), ""
            except (TypeError, ValueError):
                break
    return None, str(status.get("message") or raw)
