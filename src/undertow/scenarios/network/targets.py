"""The targets of a network module: pods in a namespace, or nodes; and which nodes are the
machine undertow runs on (whose network a node fault would cut from under it)."""

from __future__ import annotations

import random
import socket
from dataclasses import dataclass

from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.scenarios.common.status import Obj, is_terminating, name_of, uid_of
from undertow.scenarios.common.targets import pick, split_names
from undertow.scenarios.network.spec import NetworkModule


@dataclass(frozen=True)
class Target:
    """A pod (its uid finds its processes) or a node (`pod_uid` None), and its node."""

    name: str
    node: str
    pod_uid: str | None

    @property
    def shown(self) -> str:
        return f"pod {self.name} on node {self.node}" if self.pod_uid else f"node {self.name}"


def _running_on_a_node(pod: Obj) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Running" and bool((pod.get("spec") or {}).get("nodeName"))


def _pods(api: KubeApi, module: NetworkModule) -> list[Obj]:
    if module.target:
        found = api.list_pods(module.namespace, field_selector=f"metadata.name={module.target}")
    else:
        found = api.list_pods(module.namespace, label_selector=module.label_selector)
    return [p for p in found if _running_on_a_node(p) and not is_terminating(p)]


def choose(api: KubeApi, module: NetworkModule, rng: random.Random) -> list[Target]:
    """Krkn's targeting: `target` by name (nodes: names separated by commas, as the legacy
    `node_name` gives them), else `instance_count` of the label's matches
    picked at random (0: all of them)."""
    if module.node_module:
        if module.target:
            names = set(split_names(module.target))
            nodes = [n for n in api.list_nodes(None) if name_of(n) in names]
        else:
            nodes = api.list_nodes(module.label_selector)
        chosen = [Target(name_of(n), name_of(n), None) for n in nodes]
    else:
        chosen = [
            Target(name_of(p), str(p["spec"]["nodeName"]), uid_of(p)) for p in _pods(api, module)
        ]
    what = "node" if module.node_module else f"running pod in namespace {module.namespace}"
    if not chosen:
        wanted = module.target or f"label {module.label_selector}"
        raise ScenarioError(f"{module.kind}: no {what} matches {wanted}")
    count = module.instance_count or len(chosen)
    return sorted(pick(sorted(chosen, key=lambda t: t.name), count, rng), key=lambda t: t.name)


def _is_local_address(address: str) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))
    except OSError:
        return False
    return True


def runs_here(node: Obj) -> bool:
    """The node's own address is one of this machine's: the node shares the network
    namespace of the host undertow runs on (e.g. the local cluster's real node)."""
    addresses = (node.get("status") or {}).get("addresses") or []
    internal = [str(a.get("address")) for a in addresses if a.get("type") == "InternalIP"]
    return any(_is_local_address(a) for a in internal if a and a != "None")
