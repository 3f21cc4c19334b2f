"""Krkn's older network types, run as `network_chaos_ng_scenarios` modules: the same helper
pods, the same nft/tc builders, the same journaled undo (`NetworkChaosNgPlugin.run_modules`).

- `network_chaos_scenarios`: a `node_network_chaos` module going out, on the nodes named
  (all of them) or `instance_count` of the label's. Krkn's `execution: serial` applies
  latency, loss and bandwidth one after another, each for `duration`: one module each;
  `parallel` applies them together: one module.
- `pod_network_scenarios`: `pod_network_outage` is a `pod_network_filter` (tcp and udp to
  `ingress_ports` coming in, to `egress_ports` going out; no ports: every port);
  `pod_egress_shaping` / `pod_ingress_shaping` (written `{id, config}` or flat) are a
  `pod_network_chaos` module one way (one per parameter with
  `network_shaping_execution: serial`).
"""

from __future__ import annotations

import random

from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.targets import split_names
from undertow.scenarios.network.legacy_spec import (
    NetworkChaosSpec,
    PodNetworkSpec,
    PodNetworkStep,
)
from undertow.scenarios.network.plugin import NetworkChaosNgPlugin
from undertow.scenarios.network.spec import (
    ChaosModule,
    FilterModule,
    NetworkModule,
    Port,
    ShapingModule,
)

CONTROL_PLANE_TAINTS = [
    "node-role.kubernetes.io/master:NoSchedule",
    "node-role.kubernetes.io/control-plane:NoSchedule",
]
"""Tolerated by the node helpers: Krkn's default targets are the masters, and its jobs name
their node directly (`nodeName`, past the scheduler's taint check)."""


class OutageFilter(FilterModule):
    """A filter with its own ports going out (Krkn's `egress_ports`)."""

    outgoing_ports: list[Port] = []
    """Destination ports dropped going out; empty: every port."""

    @property
    def egress_ports(self) -> list[int]:
        return self.outgoing_ports


def node_modules(spec: NetworkChaosSpec) -> list[NetworkModule]:
    """The `node_network_chaos` modules of a `network_chaos:` file, in the order they run."""
    config = spec.network_chaos
    names = ",".join(split_names(config.node_name))
    targets = (
        {"target": names, "instance_count": 0}
        if names
        else {"label_selector": config.label_selector, "instance_count": config.instance_count}
    )
    common = {
        "id": "node_network_chaos",
        "image": config.image,
        "test_duration": config.duration,
        "interfaces": config.interfaces,
        "execution": "parallel",
        "ingress": False,
        "egress": True,
        "taints": CONTROL_PLANE_TAINTS,
        **targets,
    }
    present = config.egress.effective
    groups = [[p] for p in present] if config.execution == "serial" else [list(present)]
    return [
        ChaosModule.model_validate({**common, **{p: present[p] for p in group}}) for group in groups
    ]


def _outage(step: PodNetworkStep) -> OutageFilter:
    config = step.config
    return OutageFilter.model_validate(
        {
            "namespace": config.namespace,
            "image": config.image,
            "wait_duration": config.wait_duration,
            "test_duration": config.test_duration,
            "label_selector": "" if config.pod_name else config.label_selector,
            "target": config.pod_name,
            "instance_count": config.instance_count,
            "service_account": config.service_account,
            "taints": config.taints,
            "id": "pod_network_filter",
            "execution": "parallel",
            "ingress": "ingress" in config.direction,
            "egress": "egress" in config.direction,
            "ports": config.ingress_ports,
            "outgoing_ports": config.egress_ports,
        }
    )


def pod_modules(spec: PodNetworkSpec) -> list[NetworkModule]:
    """The modules of the steps, in order: an outage is a `pod_network_filter`; a shaping
    step, in either of Krkn's forms, its `ShapingModule.chaos_modules()`."""
    modules: list[NetworkModule] = []
    for step in spec.root:
        if isinstance(step, ShapingModule):
            modules += step.chaos_modules()
        elif step.id == "pod_network_outage":
            modules.append(_outage(step))
        else:
            modules += step.shaping_module().chaos_modules()
    return modules


class NetworkChaosPlugin:
    scenario_type = "network_chaos_scenarios"
    summary = "Krkn's legacy node network chaos: latency, loss, bandwidth going out of nodes"
    spec_model = NetworkChaosSpec

    def __init__(self, ng: NetworkChaosNgPlugin | None = None) -> None:
        self._ng = ng or NetworkChaosNgPlugin(random.Random())

    def named_nodes(self, spec: NetworkChaosSpec) -> list[tuple[tuple[str | int, ...], str]]:
        """The `node_name` names (checked against the cluster at run start)."""
        return [
            (("network_chaos", "node_name"), name)
            for name in split_names(spec.network_chaos.node_name)
        ]

    def plan(self, ctx: PlanContext, spec: NetworkChaosSpec) -> list[str]:
        modules = node_modules(spec)
        return self._ng.plan_modules(ctx, modules, ["network_chaos"] * len(modules))

    def run(self, ctx: RunContext, spec: NetworkChaosSpec) -> ScenarioResult:
        modules = node_modules(spec)
        return self._ng.run_modules(ctx, modules, [("network_chaos", "interfaces")] * len(modules))


class PodNetworkPlugin:
    scenario_type = "pod_network_scenarios"
    summary = "Krkn's pod network steps: port outage, egress and ingress shaping of pods"
    spec_model = PodNetworkSpec

    def __init__(self, ng: NetworkChaosNgPlugin | None = None) -> None:
        self._ng = ng or NetworkChaosNgPlugin(random.Random())

    def plan(self, ctx: PlanContext, spec: PodNetworkSpec) -> list[str]:
        modules = pod_modules(spec)
        return self._ng.plan_modules(ctx, modules, [f"[{i}].config" for i in range(len(modules))])

    def run(self, ctx: RunContext, spec: PodNetworkSpec) -> ScenarioResult:
        modules = pod_modules(spec)  # every interface but lo: none is named
        return self._ng.run_modules(ctx, modules, [(i, "config") for i in range(len(modules))])


network_chaos_plugin = NetworkChaosPlugin()
pod_network_plugin = PodNetworkPlugin()
