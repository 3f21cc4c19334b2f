"""From a module and what the helper saw of its target to the fault it applies (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from undertow.scenarios.network import rules, tc
from undertow.scenarios.network.script import NetnsFault
from undertow.scenarios.network.spec import ChaosModule, FilterModule, InterfaceDownModule

NODE_STATE = ("nft list tables",)
"""On a node, other software rewrites its own rules all the time: compare table names."""


def _state(node: bool, devs: Sequence[str]) -> tuple[str, ...]:
    if not node:
        return ("nft list ruleset", "tc qdisc show", "ip -o link show | awk -F': ' '{print $2}'")
    return (*NODE_STATE, *(f"tc qdisc show dev {d}" for d in devs))


def filter_fault(module: FilterModule, table: str) -> NetnsFault:
    ruleset = rules.filter_rules(
        table,
        ingress=module.ingress,
        egress=module.egress,
        protocols=module.protocols,
        ports=module.ports,
        interfaces=module.interfaces,
        egress_ports=module.egress_ports,
    )
    return NetnsFault(table, ruleset, state_commands=_state(module.node_module, []))


def chaos_fault(module: ChaosModule, table: str, devs: Sequence[str]) -> NetnsFault:
    """Loss and ingress bandwidth as nftables rules; egress bandwidth, latency, jitter and
    corruption as tc (netem under htb, through an ifb device coming in)."""
    ruleset = rules.chaos_rules(
        table,
        ingress=module.ingress,
        egress=module.egress,
        loss=module.loss,
        ingress_bandwidth=module.bandwidth,
        interfaces=module.interfaces,
    )
    netem = tc.netem_options(
        module.latency if module.latency_on else None, module.jitter, module.corruption
    )
    commands: list[str] = []
    undo: list[str] = []
    if module.egress and (netem or module.bandwidth):
        commands += tc.egress(devs, module.bandwidth, netem)
        undo += tc.remove_egress(devs)
    if module.ingress and netem:
        ifb = ("ifb" + table.removeprefix("undertow_"))[:15]
        commands += tc.ingress(devs, ifb, netem)
        undo += tc.remove_ingress(devs, ifb)
    return NetnsFault(
        table, ruleset, tuple(commands), tuple(undo), _state(module.node_module, devs)
    )


def interface_down_fault(
    module: InterfaceDownModule, table: str, devs: Sequence[str]
) -> NetnsFault:
    """Krkn's dead-man switch, then the links down; the undo sets them up."""
    state = tuple(f"ip -o link show dev {d} | grep -o '[<,]UP[,>]' || echo down" for d in devs)
    return NetnsFault(
        table,
        "",
        tuple(tc.link_down(devs, module.test_duration)),
        tuple(tc.link_up(devs)),
        state,
    )
