"""The nftables rules of a network fault, as text: pure functions, golden-tested.

Every fault gets a table of its own, `inet undertow_<run id 8>_<n>`, holding an `ingress`
chain (hook input) and an `egress` chain (hook output), so removing the fault is deleting
that one table and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

PRIORITY = -10
"""Before the filter chains other software adds at priority 0."""

_UNITS = {"bit": 1, "kbit": 10**3, "mbit": 10**6, "gbit": 10**9, "tbit": 10**12}


def table_name(run_id: str, index: int) -> str:
    """The fault's own table: named after the run (first 8 hex digits) and the target."""
    return f"undertow_{run_id.replace('-', '')[:8]}_{index}"


def bytes_per_second(rate: str) -> int:
    """`1mbit` → 125000 (tc's units are decimal)."""
    for unit in sorted(_UNITS, key=len, reverse=True):
        if rate.endswith(unit):
            return max(int(rate[: -len(unit)]) * _UNITS[unit] // 8, 1)
    raise ValueError(f"not a rate: {rate!r}")


def _interfaces(direction: str, interfaces: Sequence[str]) -> str:
    key = "iifname" if direction == "ingress" else "oifname"
    if not interfaces:
        return f'{key} != "lo" '
    quoted = ", ".join(f'"{name}"' for name in interfaces)
    return f"{key} {{ {quoted} }} "


def port_match(protocols: Sequence[str], ports: Sequence[int]) -> str:
    """`meta l4proto { tcp, udp } th dport { 53 } ` (no ports: every port)."""
    protos = f"meta l4proto {{ {', '.join(protocols)} }} "
    if not ports:
        return protos
    return f"{protos}th dport {{ {', '.join(str(p) for p in sorted(set(ports)))} }} "


def ruleset(table: str, chains: dict[str, list[str]], interfaces: Sequence[str]) -> str:
    """The table with one chain per direction that has statements; '' when none has."""
    hooks = {"ingress": "input", "egress": "output"}
    lines = [f"table inet {table} {{"]
    for direction in ("ingress", "egress"):
        statements = chains.get(direction) or []
        if not statements:
            continue
        lines.append(f"\tchain {direction} {{")
        lines.append(f"\t\ttype filter hook {hooks[direction]} priority {PRIORITY}; policy accept;")
        lines += [f"\t\t{_interfaces(direction, interfaces)}{s}" for s in statements]
        lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


def filter_rules(
    table: str,
    *,
    ingress: bool,
    egress: bool,
    protocols: Sequence[str],
    ports: Sequence[int],
    interfaces: Sequence[str],
    egress_ports: Sequence[int] | None = None,
) -> str:
    """Drop packets to `ports` of `protocols` coming in and/or going out (going out, to
    `egress_ports` when given)."""
    out = ports if egress_ports is None else egress_ports
    return ruleset(
        table,
        {
            "ingress": [f"{port_match(protocols, ports)}drop"] if ingress else [],
            "egress": [f"{port_match(protocols, out)}drop"] if egress else [],
        },
        interfaces,
    )


def random_drop(loss: float) -> str:
    """`numgen random mod 100 < 10 drop`; a fraction of a percent (netem's `loss 0.02`)
    draws from a million instead (resolution 0.0001%)."""
    if float(loss).is_integer():
        return f"numgen random mod 100 < {int(loss)} drop"
    return f"numgen random mod 1000000 < {round(loss * 10_000)} drop"


def chaos_rules(
    table: str,
    *,
    ingress: bool,
    egress: bool,
    loss: float | None,
    ingress_bandwidth: str | None,
    interfaces: Sequence[str],
) -> str:
    """Random loss (`numgen random mod 100 < loss`) both ways asked, and an ingress rate
    limit (packets over the rate are dropped, as a policer does)."""
    chains: dict[str, list[str]] = {"ingress": [], "egress": []}
    for direction, on in (("ingress", ingress), ("egress", egress)):
        if on and loss:
            chains[direction].append(random_drop(loss))
    if ingress and ingress_bandwidth:
        rate = bytes_per_second(ingress_bandwidth)
        chains["ingress"].append(f"limit rate over {rate} bytes/second drop")
    return ruleset(table, chains, interfaces)
