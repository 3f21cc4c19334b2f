"""Nodes: choosing them, and waiting (through the API) until they are down or back.

"Back" is stricter than Ready=True: the node-lifecycle controller must also have lifted its
`not-ready`/`unreachable` taints, so the node takes pods again and the cluster looks as it
did before the scenario.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from undertow.clock import CancelToken, Clock
from undertow.errors import NotFound, ScenarioError
from undertow.kube.refs import ObjectRef
from undertow.scenarios.common.selectors import parse_selector
from undertow.scenarios.common.status import Obj, name_of, node_is_ready, node_taints
from undertow.scenarios.common.targets import filter_nodes, pick, split_names

if TYPE_CHECKING:
    from undertow.kube import KubeApi

NODE_CONDITION_TAINTS = frozenset(
    {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}
)

NodeGoal = Literal["down", "back"]


def node_is_back(node: Obj) -> bool:
    """Ready, and no taint left from being NotReady or unreachable."""
    return node_is_ready(node) and not any(
        t.get("key") in NODE_CONDITION_TAINTS for t in node_taints(node)
    )


def reached(node: Obj | None, goal: NodeGoal) -> bool:
    """`down`: NotReady (or deleted); `back`: see node_is_back."""
    if node is None:
        return goal == "down"
    return not node_is_ready(node) if goal == "down" else node_is_back(node)


def select_nodes(
    api: KubeApi,
    *,
    node_name: str = "",
    label_selector: str = "",
    exclude_label: str = "",
    count: int = 1,
    rng: random.Random,
) -> list[Obj]:
    """Krkn's targeting: named nodes (all must exist), else `count` nodes picked at random
    among those matching `label_selector` (0 = all of them), minus `exclude_label`."""
    names = split_names(node_name)
    exclude = parse_selector(exclude_label) if exclude_label else None
    if names:
        listed = filter_nodes(api.list_nodes(), names=names, exclude=exclude)
        missing = sorted(set(names) - {name_of(n) for n in listed})
        if missing:
            raise ScenarioError(f"no such node (or excluded by exclude_label): {missing}")
        return sorted(listed, key=name_of)
    candidates = filter_nodes(api.list_nodes(label_selector or None), exclude=exclude)
    if not candidates:
        raise ScenarioError(f"no node matches label_selector {label_selector!r}")
    chosen = pick(candidates, count or len(candidates), rng)
    return sorted(chosen, key=name_of)


@dataclass(frozen=True)
class NodeWait:
    """When each node reached the goal (seconds after the wait began), None if it did not."""

    seconds: dict[str, float | None]
    cancelled: bool

    @property
    def done(self) -> bool:
        return all(s is not None for s in self.seconds.values())

    @property
    def missing(self) -> list[str]:
        return sorted(n for n, s in self.seconds.items() if s is None)


def wait_nodes(
    check: Callable[[str], bool],
    names: Sequence[str],
    *,
    timeout: float,
    interval: float,
    clock: Clock,
    cancel: CancelToken,
) -> NodeWait:
    """Poll `check(name)` for each node until all are True, `timeout` passed or the run was
    cancelled."""
    start = clock.monotonic()
    seconds: dict[str, float | None] = dict.fromkeys(names)
    while True:
        for name in [n for n, s in seconds.items() if s is None]:
            if check(name):
                seconds[name] = clock.monotonic() - start
        if all(s is not None for s in seconds.values()):
            return NodeWait(seconds, False)
        remaining = timeout - (clock.monotonic() - start)
        if remaining <= 0:
            return NodeWait(seconds, False)
        if clock.sleep(min(interval, remaining), cancel):
            return NodeWait(seconds, True)


def node_reader(api: KubeApi) -> Callable[[str], Obj | None]:
    """Read one node, None if it no longer exists."""

    def read(name: str) -> Obj | None:
        try:
            return api.get(ObjectRef.node(name))
        except NotFound:
            return None

    return read


def wait_node_goal(
    api: KubeApi,
    names: Sequence[str],
    goal: NodeGoal,
    *,
    timeout: float,
    interval: float,
    clock: Clock,
    cancel: CancelToken,
) -> NodeWait:
    """Wait until each node's Ready condition says it is down (NotReady) or back."""
    read = node_reader(api)
    return wait_nodes(
        lambda n: reached(read(n), goal),
        names,
        timeout=timeout,
        interval=interval,
        clock=clock,
        cancel=cancel,
    )
