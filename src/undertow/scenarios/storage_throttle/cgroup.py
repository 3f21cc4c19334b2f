"""The helper pod's script: IO limits on one container's cgroup, for one block device.

The pod (privileged, the node's /sys/fs/cgroup mounted at /host-cgroup) finds the
container's cgroup directory (cgroup v1 `blkio`, else v2; cgroupfs or systemd names alike),
reads the device's current limits and writes them to /tmp/prev ("<file> <value>" lines),
then waits for /tmp/go: undertow journals those values first, then creates the go file.
It writes the limits, holds them `seconds`, and writes the previous values back, also on
SIGTERM/SIGINT (a trap): a deleted or expired pod puts them back as it ends. No go file
within `GO_TIMEOUT` seconds (undertow is gone): it ends without changing anything.
"""

from __future__ import annotations

from collections.abc import Mapping

from undertow.errors import ScenarioError

GO_TIMEOUT = 120
PREV_FILE = "/tmp/prev"  # noqa: S108 (inside the helper pod)
GO_FILE = "/tmp/go"  # noqa: S108 (inside the helper pod)

SCRIPT = r"""
cid=$1 dev=$2 secs=$3 wait=$4; shift 4
back() {
  [ -e /tmp/changed ] || return 0
  while read -r f v; do echo "$v" > "$f"; done < /tmp/prev
  rm -f /tmp/changed; echo "limits back"
}
trap 'back; exit 0' TERM INT
if [ -d /host-cgroup/blkio ]; then root=/host-cgroup/blkio; else root=/host-cgroup; fi
d=$(find "$root" -type d -name "*$cid*" 2>/dev/null | head -n 1)
[ -n "$d" ] || { echo "no cgroup directory for container $cid under $root"; exit 1; }
: > /tmp/new; : > /tmp/prev.part
if [ -e "$d/io.max" ]; then
  line="$dev"
  while [ "$#" -gt 1 ]; do
    case "$1" in read_bps*) k=rbps;; write_bps*) k=wbps;; read_iops*) k=riops;; *) k=wiops;; esac
    line="$line $k=$2"; shift 2
  done
  old=$(grep "^$dev " "$d/io.max" || echo "$dev rbps=max wbps=max riops=max wiops=max")
  echo "$d/io.max $old" >> /tmp/prev.part; echo "$d/io.max $line" >> /tmp/new
else
  while [ "$#" -gt 1 ]; do
    f="$d/blkio.throttle.$1"; old=$(grep "^$dev " "$f" || echo "$dev 0")
    echo "$f $old" >> /tmp/prev.part; echo "$f $dev $2" >> /tmp/new; shift 2
  done
fi
mv /tmp/prev.part /tmp/prev
n=0; while [ ! -e /tmp/go ]; do n=$((n+1)); [ "$n" -gt $((wait*5)) ] && exit 0; sleep 0.2; done
touch /tmp/changed
while read -r f v; do echo "$v" > "$f" || { back; exit 1; }; done < /tmp/new
echo "limits set"; cat /tmp/new
sleep "$secs" & wait
back
"""


def throttle_command(
    container_id: str, device: str, seconds: float, limits: Mapping[str, int]
) -> list[str]:
    """`sh -c SCRIPT` with its arguments: the limits as (v1 file suffix, value) pairs; the
    script turns them into one `io.max` line on cgroup v2."""
    pairs: list[str] = []
    for name, value in limits.items():
        pairs += [name, str(value)]
    return [
        "sh",
        "-c",
        SCRIPT.strip(),
        "throttle",
        container_id,
        device,
        str(round(seconds)),
        str(GO_TIMEOUT),
        *pairs,
    ]


def parse_prev(text: str) -> list[dict[str, str]]:
    """The previous values the pod read: `[{"path": ..., "value": ...}]`, in order."""
    files = []
    for line in text.strip().splitlines():
        path, _, value = line.strip().partition(" ")
        if not path or not value:
            raise ScenarioError(f"unexpected line from the throttle pod: {line!r}")
        files.append({"path": path, "value": value})
    if not files:
        raise ScenarioError("the throttle pod read no previous values")
    return files


def device_of(mountinfo: str, mount_path: str) -> tuple[str, str]:
    """(MAJ:MIN, file system type) of the mount at `mount_path`, from /proc/self/mountinfo."""
    wanted = mount_path.rstrip("/") or "/"
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 6 and fields[4] == wanted:
            rest = fields[fields.index("-") + 1 :] if "-" in fields else []
            return fields[2], rest[0] if rest else "?"
    raise ScenarioError(f"{mount_path} is not a mount point in the container")
