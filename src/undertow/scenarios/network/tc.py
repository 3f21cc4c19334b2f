"""The `tc` and `ip` command lines of a network fault: pure functions, golden-tested.

The shape is Krkn's: going out, an htb root (`100:`) with one class (`100:1`) at the
bandwidth (1gbit when only delay is asked) and, when latency, jitter or corruption is
asked, a netem qdisc (`101:`) under it; coming in, the interface's ingress qdisc redirects
everything to an ifb device that carries the same tree. Loss is never netem's here: it is an
nftables random drop (`rules.chaos_rules`), so it works on kernels without netem.
"""

from __future__ import annotations

from collections.abc import Sequence

ROOT = "100:"
CLASS = "100:1"
NETEM = "101:"
DEFAULT_RATE = "1gbit"


def netem_options(latency: str | None, jitter: str | None, corruption: int | None) -> str:
    """`delay 50ms 10ms corrupt 5%` ('' when none is asked)."""
    parts = []
    if latency:
        parts.append(f"delay {latency}" + (f" {jitter}" if jitter else ""))
    if corruption:
        parts.append(f"corrupt {corruption}%")
    return " ".join(parts)


def tree(dev: str, rate: str | None, netem: str) -> list[str]:
    """An htb root with one class at `rate`, and a netem leaf when `netem` is set."""
    lines = [
        f"tc qdisc add dev {dev} root handle {ROOT} htb default 1",
        f"tc class add dev {dev} parent {ROOT} classid {CLASS} htb rate {rate or DEFAULT_RATE}",
    ]
    if netem:
        lines.append(f"tc qdisc add dev {dev} parent {CLASS} handle {NETEM} netem {netem}")
    return lines


def remove_tree(dev: str) -> list[str]:
    """Delete the root qdisc only if it is still ours (htb with our handle)."""
    return [
        f"tc qdisc show dev {dev} root | grep -q '^qdisc htb {ROOT} ' && "
        f"tc qdisc del dev {dev} root handle {ROOT}"
    ]


def egress(devs: Sequence[str], rate: str | None, netem: str) -> list[str]:
    return [line for dev in devs for line in tree(dev, rate, netem)]


def remove_egress(devs: Sequence[str]) -> list[str]:
    return [line for dev in devs for line in remove_tree(dev)]


def ingress(devs: Sequence[str], ifb: str, netem: str) -> list[str]:
    """Everything coming in on `devs` goes through `ifb`, which delays it (netem)."""
    lines = [f"ip link add {ifb} type ifb", f"ip link set dev {ifb} up"]
    for dev in devs:
        lines += [
            f"tc qdisc add dev {dev} handle ffff: ingress",
            f"tc filter add dev {dev} parent ffff: protocol all prio 1 matchall "
            f"action mirred egress redirect dev {ifb}",
        ]
    return lines + tree(ifb, None, netem)


def remove_ingress(devs: Sequence[str], ifb: str) -> list[str]:
    lines = [
        f"tc qdisc show dev {dev} ingress | grep -q '^qdisc ingress ffff: ' && "
        f"tc qdisc del dev {dev} handle ffff: ingress"
        for dev in devs
    ]
    return [*lines, f"ip link show dev {ifb} >/dev/null 2>&1 && ip link del dev {ifb}"]


def link_down(devs: Sequence[str], duration: int) -> list[str]:
    """Krkn's dead-man switch: the link is scheduled to come back before it goes down."""
    lines = [f"(sleep {duration}; ip link set dev {dev} up) &" for dev in devs]
    return lines + [f"ip link set dev {dev} down" for dev in devs]


def link_up(devs: Sequence[str]) -> list[str]:
    return [f"ip link set dev {dev} up" for dev in devs]
