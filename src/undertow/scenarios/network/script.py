"""The shell scripts a network helper pod runs: pure text, golden-tested.

A helper is a privileged pod on the target's node, in the host's pid namespace. Its own
command finds a process of the target (a pod: its oldest process, found by the pod uid in
/proc/<pid>/cgroup; a node: pid 1), writes that pid to /tmp/undertow/pid, waits until the
fault is applied, sleeps for the duration plus a margin, then runs the undo script; a TERM
(pod deleted, or `activeDeadlineSeconds`) runs it too. So with nobody left to clean up,
the fault still ends.

The scenario applies the fault itself, by an exec in the helper, after its version file
(with these scripts) is on disk. Every command runs in the target's network namespace
(`nsenter -t <pid> -n /bin/sh -c ...`) with the helper's own binaries.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

WORK = "/tmp/undertow"  # noqa: S108 (inside the helper pod's own filesystem)
SELF_UNDO_MARGIN = 10
"""Seconds past the duration before a helper nobody came back to removes its fault."""
_RULES_END = "UNDERTOW_RULES"
_UNDO_END = "UNDERTOW_UNDO"
UNDO_FILE = f"{WORK}/undo.sh"


def in_netns(script: str) -> str:
    """Run `script` with /bin/sh in the target's network namespace."""
    return f'P=$(cat {WORK}/pid) && nsenter -t "$P" -n /bin/sh -c {shlex.quote(script)}'


@dataclass(frozen=True)
class NetnsFault:
    """What one helper does to one target's network namespace."""

    table: str
    """The nftables table of this fault (`inet <table>`), added only when `rules` is set."""
    rules: str
    """The nftables ruleset added ('' for none)."""
    commands: tuple[str, ...] = ()
    """tc / ip command lines, run in order after the rules."""
    undo_commands: tuple[str, ...] = ()
    """The lines removing exactly what `commands` added (each checks it is still ours)."""
    state_commands: tuple[str, ...] = ("nft list ruleset", "tc qdisc show")
    """What the fault touches, printed before and after (compared as text)."""

    @property
    def apply(self) -> str:
        lines = ["set -e"]
        if self.rules:
            lines.append(f"nft -f /dev/stdin <<'{_RULES_END}'\n{self.rules}{_RULES_END}")
        lines += self.commands
        return "\n".join(
            [
                f"cat > {UNDO_FILE} <<'{_UNDO_END}'\n{self.undo}\n{_UNDO_END}",
                f"touch {WORK}/applied",
                in_netns("\n".join(lines)),
            ]
        )

    @property
    def undo(self) -> str:
        lines = [f"nft delete table inet {self.table} 2>/dev/null"] if self.rules else []
        lines += self.undo_commands
        return in_netns("\n".join(f"{line} || true" for line in lines) or "true")

    @property
    def state(self) -> str:
        return in_netns("\n".join(self.state_commands))


def find_pod_process(pod_uid: str) -> str:
    """Set P to the pod's oldest process (its sandbox's, which lives as long as the pod's
    network namespace; pids wrap, so the start time decides). cgroupfs and systemd drivers
    name the pod's cgroup `pod<uid>` and `pod<uid with underscores>`."""
    names = ("pod" + pod_uid, "pod" + pod_uid.replace("-", "_"))
    patterns = " ".join(f"-e {shlex.quote(name)}" for name in names)
    return (
        "P=; T=\n"
        "for f in /proc/[0-9]*/cgroup; do\n"
        f'  grep -qs {patterns} "$f" || continue\n'
        "  p=${f#/proc/}; p=${p%/cgroup}\n"
        "  t=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d' ' -f20)\n"
        '  if [ -n "$t" ] && { [ -z "$T" ] || [ "$t" -lt "$T" ]; }; then P=$p; T=$t; fi\n'
        "done\n"
        f'[ -n "$P" ] || {{ echo "undertow: no process of pod {pod_uid} here" >&2; exit 3; }}'
    )


def helper_command(pod_uid: str | None, duration: int) -> list[str]:
    """The helper's command: find the target, wait for the fault, end it after the duration
    plus a margin, or at once on TERM, by running the undo script the fault wrote before it
    was applied. `pod_uid` None: the node itself (pid 1)."""
    find = find_pod_process(pod_uid) if pod_uid else "P=1"
    script = "\n".join(
        [
            "set -u",
            f"mkdir -p {WORK}",
            f"undo() {{ if [ -f {UNDO_FILE} ]; then /bin/sh {UNDO_FILE}; fi; }}",
            "trap 'undo; exit 143' TERM INT",
            find,
            f'echo "$P" > {WORK}/pid',
            f"while [ ! -e {WORK}/applied ]; do sleep 0.2; done",
            f"sleep {duration + SELF_UNDO_MARGIN} & wait $!",
            "undo",
        ]
    )
    return ["/bin/sh", "-c", script]


def probe(*, netem: bool) -> str:
    """A read-only look at the target: its links, whether the kernel has netem (tried in a
    throwaway network namespace), its default route's interfaces, its qdiscs."""
    lines = [
        f"test -s {WORK}/pid || exit 3",
        "echo '== links'",
        in_netns("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1"),
        "echo '== netem'",
    ]
    if netem:
        lines.append(
            "if unshare -n -- /bin/sh -c 'tc qdisc add dev lo root netem delay 1ms' "
            ">/dev/null 2>&1; then echo yes; else echo no; fi"
        )
    lines += [
        "echo '== routes'",
        in_netns("ip route show default | awk '{print $5}'"),
        "echo '== qdiscs'",
        in_netns("tc qdisc show"),
    ]
    return "\n".join(lines)


def parse_probe(out: str) -> dict[str, list[str]]:
    """The probe's sections: `links`, `netem`, `routes`, `qdiscs` → their lines."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.splitlines(keepends=True):
        if line.startswith("== "):
            current = sections.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    return sections


def foreign_roots(qdisc_lines: Sequence[str], devs: Sequence[str]) -> list[str]:
    """Devices among `devs` whose root qdisc is not the kernel's default (handle 0:)."""
    taken = []
    for line in qdisc_lines:
        words = line.split()
        if len(words) > 5 and words[4] in devs and words[5] == "root" and words[2] != "0:":
            taken.append(words[4])
    return taken
