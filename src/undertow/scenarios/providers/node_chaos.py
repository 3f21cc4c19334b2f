"""Stopping and starting nodes through a provider, with the waits around it.

Used by node_scenarios and zone_outages_scenarios. `NodeChaos` remembers each stop it made
(the journaled change), so starting a node is reverting that change (the same step a
rollback runs), and `restore` brings back whatever is still stopped, however the scenario
ended, and waits for it to be back.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from undertow.clock import CancelToken
from undertow.rollback.client import Change
from undertow.scenarios.base import RunContext
from undertow.scenarios.common.nodes import (
    NodeGoal,
    NodeWait,
    wait_node_goal,
    wait_nodes,
)
from undertow.scenarios.common.status import Obj
from undertow.scenarios.providers.base import Instance, InstanceState, NodeProvider

KUBE_POLL_SECONDS = 1.0
"""Node status is polled through the API at most this often (the cheap check)."""


@dataclass
class NodeChaos:
    ctx: RunContext
    provider: NodeProvider
    timeout: float
    poll_interval: float
    kube_check: bool = True
    stopped: dict[str, Change] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cloud(self) -> bool:
        return self.provider.name != "local"

    def instance(self, node: Obj) -> Instance:
        inst = self.provider.instance(node)
        with self._lock:
            self.instances[inst.node] = inst
        return inst

    def stop(self, inst: Instance) -> None:
        change = self.provider.stop(self.ctx.kube, inst)
        with self._lock:
            self.stopped[inst.node] = change
        self.ctx.emit("node.stopped", f"stopped {inst}", node=inst.node, instance=inst.id)

    def start(self, inst: Instance) -> None:
        """Start again (revert our stop), or start a node this run did not stop."""
        with self._lock:
            change = self.stopped.pop(inst.node, None)
        if change is None:
            self.provider.start(self.ctx.kube, inst)
        else:
            self.ctx.kube.revert_or_fail(change, failure=f"could not start {inst} again")
        self.ctx.emit("node.started", f"started {inst}", node=inst.node, instance=inst.id)

    def wait(
        self, names: Sequence[str], goal: NodeGoal, cancel: CancelToken | None = None
    ) -> NodeWait:
        """Wait until the nodes are down/back: the instance state (cloud providers, every
        `poll_interval`) and, with kube_check, the node's Ready condition in the API."""
        cancel = cancel or self.ctx.cancel
        outcome = NodeWait(dict.fromkeys(names, 0.0), False)
        if self.cloud:
            want: InstanceState = "stopped" if goal == "down" else "running"
            outcome = wait_nodes(
                lambda n: self.provider.state(self.instances[n]) == want,
                names,
                timeout=self.timeout,
                interval=self.poll_interval,
                clock=self.ctx.clock,
                cancel=cancel,
            )
            if not outcome.done or not self.kube_check:
                return outcome
        if not self.kube_check:
            return outcome
        kube = wait_node_goal(
            self.ctx.kube.api,
            names,
            goal,
            timeout=self.timeout,
            interval=min(self.poll_interval, KUBE_POLL_SECONDS) or KUBE_POLL_SECONDS,
            clock=self.ctx.clock,
            cancel=cancel,
        )
        for name in names:
            self.ctx.emit(
                f"node.{goal}",
                f"node {name} {'NotReady' if goal == 'down' else 'Ready again'}"
                + (f" after {s:.1f}s" if (s := kube.seconds[name]) is not None else " (timeout)"),
                node=name,
                seconds=s,
            )
        return kube

    def restore(self) -> list[str]:
        """Start every node still stopped and wait until it is back, even after a cancel.
        Returns the problems (empty if everything is back)."""
        with self._lock:
            pending = list(self.stopped)
        problems: list[str] = []
        for name in pending:
            try:
                self.start(self.instances[name])
            except Exception as exc:  # reported; the journal keeps the undo pending
                problems.append(f"{name}: {exc}")
        started = [n for n in pending if n not in self.stopped]
        if started:
            back = self.wait(started, "back", CancelToken())
            problems += [f"{n}: not back within {self.timeout:g}s" for n in back.missing]
        return problems
