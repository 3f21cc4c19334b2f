"""The undo verbs for files undertow changed inside pods and nodes, run through exec.

- `remove_file`: a file a PVC fill wrote. It is removed from inside a running pod that
  mounts the same claim (with the same subPath), the recorded pod first: a restarted or
  replaced pod of a StatefulSet still reaches the file. No such pod: from a short-lived
  helper pod that mounts the claim (`fill_helper`).
- `restore_node_files`: values written into node files (cgroup limits) by a helper pod,
  written back from inside that pod. If the helper pod has ended, its own trap wrote them
  back as it ended (the kubelet stops a pod with SIGTERM, which the trap catches).
- `restore_clock`: a node clock moved by an offset from a privileged helper pod, moved back
  by the same offset from inside it, once: `CLOCK_SCRIPT` is the helper's command and the
  undo alike, and a marker file says whether the clock is still moved.

Both check what they act on: a file name is a bare name undertow chose
(`undertow-fill-<hex>.tmp`), and a node file is one of the cgroup files undertow writes.
"""

import re
from typing import Any

from undertow.undo.fill_helper import remove_with_helper
from undertow.undo.guards import Refused
from undertow.undo.k8s import _helper_stopped
from undertow.undo.k8s_api import exec_argv, find_resource
from undertow.undo.outcome import ALREADY_RESTORED, RESTORED, WOULD_RESTORE, Result, UndoError
from undertow.undo.records import RemoveFile, RestoreClock, RestoreNodeFiles, Target

FILL_FILE = re.compile(r"^undertow-fill-[0-9a-f]{8,32}\.tmp$")
NODE_FILE = re.compile(
    r"^/host-cgroup/[A-Za-z0-9_./:-]+/"
    r"(blkio\.throttle\.(read|write)_(bps|iops)_device|io\.max)$"
)
"""The node files a helper pod may write back: cgroup IO limits under its /host-cgroup."""

CLOCK_MARK = "/tmp/undertow-clock-moved"  # noqa: S108 (inside the helper pod, its own /tmp)
CLOCK_SCRIPT = (
    'back() { [ -e "$3" ] || return 0; date -s "@$(( $(date +%s) - $1 ))" >/dev/null && '
    'rm -f "$3" && echo "clock moved back by $1 s"; }; '
    'if [ "$2" = restore ]; then back "$@"; exit; fi; '
    "trap 'back \"$@\"; exit 0' TERM INT; "
    'touch "$3"; date -s "@$(( $(date +%s) + $1 ))" >/dev/null || { rm -f "$3"; exit 1; }; '
    'echo "clock moved by $1 s"; sleep "$2" & wait; back "$@"'
)
"""`sh -c CLOCK_SCRIPT clock <offset> <seconds|restore> <marker>`: move the clock by
`offset` seconds, hold it `seconds`, move it back (also on SIGTERM/SIGINT); with `restore`,
only move it back, if the marker says it is still moved."""


def _read_pod(dyn: Any, namespace: str, pod: str) -> dict[str, Any] | None:
    pods = find_resource(dyn, "v1", "Pod")
    try:
        live: dict[str, Any] = pods.get(name=pod, namespace=namespace).to_dict()
    except Exception as exc:
        if getattr(exc, "status", None) != 404:
            raise
        return None
    return live


def _helper_ended(dyn: Any, target: Target, container: str) -> bool:
    """The helper pod is gone, or its container has stopped (its trap ran as it stopped);
    asked after a failed exec, it waits a little, as the k8s helpers' undo does."""
    return _helper_stopped(dyn, find_resource(dyn, "v1", "Pod"), target, container)


def _in_helper(
    dyn: Any,
    data: RestoreNodeFiles | RestoreClock,
    argv: list[str],
    *,
    dry_run: bool,
    ended: str,
    plan: str,
) -> tuple[int | None, str] | Result:
    """Run `argv` in the helper pod the entry names: (exit code, output), or the Result when
    there is nothing to run: the helper has ended (`ended`: its trap undid the change as it
    stopped, also when it stops during the exec) or this is a dry run (`plan`)."""
    target = data["target"]
    namespace, pod, container = (
        str(target.get("namespace") or ""),
        target["name"],
        data["container"],
    )
    live = _read_pod(dyn, namespace, pod)
    if live is None or (live.get("status") or {}).get("phase") != "Running":
        return Result(ALREADY_RESTORED, f"helper pod {namespace}/{pod} has ended: {ended}")
    if target.get("uid") and live["metadata"].get("uid") != target["uid"]:
        raise Refused(f"pod {namespace}/{pod} is not the helper pod undertow created")
    if dry_run:
        return Result(WOULD_RESTORE, plan)
    try:
        code, out = exec_argv(dyn, (namespace, pod, container), argv)
    except Exception:
        if not _helper_ended(dyn, target, container):
            raise
        code, out = None, ""
    if code != 0 and _helper_ended(dyn, target, container):
        return Result(ALREADY_RESTORED, f"helper pod {namespace}/{pod} has ended: {ended}")
    return code, out


def _pods_mounting(dyn: Any, namespace: str, claim: str) -> list[dict[str, Any]]:
    pods = find_resource(dyn, "v1", "Pod")
    listed = pods.get(namespace=namespace).to_dict()
    found = []
    for pod in listed.get("items") or []:
        volumes = (pod.get("spec") or {}).get("volumes") or []
        if (pod.get("status") or {}).get("phase") == "Running" and any(
            (v.get("persistentVolumeClaim") or {}).get("claimName") == claim for v in volumes
        ):
            found.append(pod)
    return found


def _where_in(pod: dict[str, Any], claim: str, sub_path: str) -> tuple[str, str] | None:
    """(container, mount path) of the claim in `pod`, with the same subPath, if any."""
    spec = pod.get("spec") or {}
    names = {
        v["name"]
        for v in spec.get("volumes") or []
        if (v.get("persistentVolumeClaim") or {}).get("claimName") == claim
    }
    for container in spec.get("containers") or []:
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") in names and (mount.get("subPath") or "") == sub_path:
                return str(container["name"]), str(mount["mountPath"])
    return None


def remove_file(dyn: Any, data: RemoveFile, dry_run: bool) -> Result:
    """Remove exactly the file the fill wrote, then check it is gone."""
    target, name = data.get("target"), data["file"]
    if target is None:
        raise Refused("no PersistentVolumeClaim recorded")
    if not FILL_FILE.match(name):
        raise Refused(f"{name!r} is not a file name undertow writes")
    namespace, claim = str(target.get("namespace") or ""), target["name"]
    if not namespace or not claim:
        raise Refused("no PersistentVolumeClaim namespace and name recorded")
    pods = sorted(
        _pods_mounting(dyn, namespace, claim),
        key=lambda p: p["metadata"]["name"] != data["pod"],
    )
    for pod in pods:
        where = _where_in(pod, claim, data["sub_path"])
        if where is None:
            continue
        container, mount = where
        path = f"{mount.rstrip('/')}/{name}"
        shown = f"{path} in pod {namespace}/{pod['metadata']['name']} (PVC {claim})"
        if dry_run:
            return Result(WOULD_RESTORE, f"would remove {shown}")
        code, out = exec_argv(
            dyn,
            (namespace, pod["metadata"]["name"], container),
            [
                "sh",
                "-c",
                'test -e "$1" && rm -f -- "$1" && echo removed; test ! -e "$1"',
                "-",
                path,
            ],
        )
        if code != 0:
            raise UndoError(f"could not remove {shown} (exit {code}): {out.strip()}")
        if "removed" in out:
            return Result(RESTORED, f"removed {shown}")
        return Result(ALREADY_RESTORED, f"{shown} does not exist")
    return remove_with_helper(dyn, data, namespace, claim, dry_run)


def restore_node_files(dyn: Any, data: RestoreNodeFiles, dry_run: bool) -> Result:
    """Write the recorded values back into the node files, from inside the helper pod."""
    target = data.get("target")
    if target is None:
        raise Refused("no helper pod recorded")
    files = data["files"]
    for item in files:
        if not NODE_FILE.match(item.get("path", "")) or ".." in item["path"]:
            raise Refused(f"{item.get('path')!r} is not a node file undertow writes")
        if "\n" in item.get("value", "\n"):
            raise Refused(f"the value for {item['path']} is not one line")
    shown = ", ".join(f["path"] for f in files)
    where = f"pod {target.get('namespace') or ''}/{target['name']}"
    argv = ["sh", "-c", 'while [ "$#" -gt 1 ]; do echo "$2" > "$1" || exit 1; shift 2; done', "-"]
    for item in files:
        argv += [item["path"], item["value"]]
    ran = _in_helper(
        dyn,
        data,
        argv,
        dry_run=dry_run,
        ended=f"its trap wrote back {shown} as it ended",
        plan=f"would write back {shown} from {where}",
    )
    if isinstance(ran, Result):
        return ran
    code, out = ran
    if code != 0:
        raise UndoError(f"could not write back {shown} in {where}: {out.strip()}")
    return Result(RESTORED, f"wrote back {shown} from {where}")


def restore_clock(dyn: Any, data: RestoreClock, dry_run: bool) -> Result:
    """Move the node's clock back by the recorded offset, from inside the helper pod."""
    target = data.get("target")
    if target is None:
        raise Refused("no helper pod recorded")
    offset = data["offset_seconds"]
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise Refused(f"offset {offset!r} is not a whole number of seconds")
    node = data["node"]
    ran = _in_helper(
        dyn,
        data,
        ["sh", "-c", CLOCK_SCRIPT, "clock", str(offset), "restore", CLOCK_MARK],
        dry_run=dry_run,
        ended=f"its trap moved node {node}'s clock back",
        plan=f"would move node {node}'s clock back by {offset} s",
    )
    if isinstance(ran, Result):
        return ran
    code, out = ran
    if code != 0:
        raise UndoError(f"could not move node {node}'s clock back: {out.strip()}")
    if "moved back" in out:
        return Result(RESTORED, f"moved node {node}'s clock back by {offset} s")
    return Result(ALREADY_RESTORED, f"node {node}'s clock was already moved back")
