"""Stopping a node's kubelet from a privileged hostPID helper pod pinned to the node (Krkn's
way), with the helper as its own dead-man.

The helper finds out how to stop the kubelet (`HOW_FILE`): `systemd` when the node's PID 1
is systemd with an active `kubelet` unit (`systemctl stop|start|restart kubelet` in the
node's namespaces, through `nsenter -t 1`), else
`signal <pid>`: the node's `kubelet` process (the one for this node name) is frozen with
SIGSTOP and thawed with SIGCONT. The node stops heartbeating and goes NotReady, as with a
stopped kubelet, and nobody has to relaunch anything. A kubelet without systemd is never
restarted: SIGTERM would end it for good.

The helper waits for `GO_FILE` (undertow journals `resume_kubelet` first), stops the kubelet,
sleeps `seconds` and starts it again; its trap starts it too if the pod is stopped first.
While the kubelet is stopped, containerd keeps the helper running, but nothing reaches it
(exec and pod deletion go through the kubelet), so its timer is the only way back: the undo
waits for it (`undertow.undo.kubelet`).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from undertow.config.helper_pods import HelperPods
from undertow.scenarios.common.helper_pod import helper_pod

HELPER_IMAGE = "busybox"
HELPER_NAMESPACE = "default"
HOW_FILE = "/tmp/how"  # noqa: S108 (inside the helper pod)
GO_FILE = "/tmp/go"  # noqa: S108 (inside the helper pod)
GO_TIMEOUT = 120
"""Seconds the helper waits for the go file; then it ends without changing anything."""

KubeletMode = Literal["stop", "restart"]

SCRIPT = r"""
mode=$1 node=$2 secs=$3 wait=$4
host() { nsenter -t 1 -m -u -i -n -p -- "$@"; }
if [ "$(cat /proc/1/comm)" = systemd ] && host systemctl is-active --quiet kubelet; then
  how=systemd
else
  pid="" n=0 only=""
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = kubelet ] || continue
    n=$((n+1)); only=${p#/proc/}
    tr '\0' '\n' < "$p/cmdline" 2>/dev/null | grep -qx -- "--hostname-override=$node" && pid=$only
  done
  [ -z "$pid" ] && [ "$n" = 1 ] && pid=$only
  how="none: $n kubelet processes, none for $node"
  [ -n "$pid" ] && how="signal $pid"
fi
echo "$how" > /tmp/how.part && mv /tmp/how.part /tmp/how
case "$how" in none*) exit 0;; esac
[ "$mode" = restart ] && [ "$how" != systemd ] && exit 0
n=0; while [ ! -e /tmp/go ]; do n=$((n+1)); [ "$n" -gt $((wait*5)) ] && exit 0; sleep 0.2; done
if [ "$mode" = restart ]; then host systemctl restart kubelet; exit; fi
stopped=""
start() {
  [ -n "$stopped" ] || return 0
  if [ "$how" = systemd ]; then host systemctl start kubelet; else kill -CONT "${how#signal }"; fi
  stopped=""; echo "kubelet started again"
}
trap 'start; exit 0' TERM INT
stopped=1
if [ "$how" = systemd ]; then host systemctl stop kubelet; else kill -STOP "${how#signal }"; fi
echo "kubelet stopped ($how) for $secs s"
sleep "$secs" & wait
start
"""


def kubelet_command(mode: KubeletMode, node: str, seconds: float) -> list[str]:
    """`sh -c SCRIPT` with its arguments (mode, node name, seconds stopped, go timeout)."""
    return [
        "sh",
        "-c",
        SCRIPT.strip(),
        "kubelet",
        mode,
        node,
        str(math.ceil(seconds)),
        str(GO_TIMEOUT),
    ]


def kubelet_pod(
    name: str, node: str, mode: KubeletMode, seconds: float, helpers: HelperPods
) -> dict[str, Any]:
    """The privileged hostPID pod on `node` that stops its kubelet for `seconds` (or restarts
    it); systemctl runs in the node's namespaces (`nsenter -t 1`). `activeDeadlineSeconds`
    covers the wait for the go file and the stop; the kubelet enforces it only once it runs
    again."""
    return helper_pod(
        name=name,
        namespace=HELPER_NAMESPACE,
        image=HELPER_IMAGE,
        command=kubelet_command(mode, node, seconds),
        duration=GO_TIMEOUT + seconds,
        helpers=helpers,
        node=node,
        labels={"undertow.io/fault": "kubelet"},
        tolerations=[{"operator": "Exists"}],
        privileged=True,
        host_pid=True,
    )


def parse_how(text: str) -> tuple[str, int | None]:
    """(`systemd` | `signal` | `none: why`, the kubelet's pid for `signal`) from HOW_FILE."""
    how = text.strip()
    if how.startswith("signal "):
        return "signal", int(how.removeprefix("signal "))
    return how, None
