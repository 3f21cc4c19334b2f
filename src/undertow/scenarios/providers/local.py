"""The `local` provider: kwok nodes of the local cluster, driven through the Kubernetes API.

kwok is started with its node-not-ready chaos stage: a node labelled
`node-not-ready.stage.kwok.x-k8s.io=true` reports Ready=False about a second later (kwok
writes the condition, as a dead kubelet's heartbeat would stop saying Ready). The
node-lifecycle controller then taints it `node.kubernetes.io/not-ready:NoExecute` and evicts
its pods once their toleration runs out — the way a real stopped machine plays out. Removing
the label lets kwok's node-initialize stage report Ready again.

The label is set with the journaled `set_label`, so the undo (remove the label) is the
ordinary field-restoring one: a killed run's node comes back with `undertow rollback execute`.
This does not depend on the node-monitor grace period, because kwok reports the condition
itself rather than going silent.
"""

from __future__ import annotations

import time

from undertow.clock import CancelToken
from undertow.errors import ScenarioError
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.rollback.client import Change, JournaledClient
from undertow.scenarios.common.status import Obj, labels_of, name_of, node_is_ready
from undertow.scenarios.providers.base import Instance, InstanceState

NOT_READY_LABEL = "node-not-ready.stage.kwok.x-k8s.io"
REBOOT_DOWN_SECONDS = 30.0
"""How long a reboot waits, by default, to see the node report NotReady."""
POLL_SECONDS = 0.2


class LocalProvider:
    name = "local"

    def __init__(
        self,
        api: KubeApi,
        *,
        reboot_timeout: float = REBOOT_DOWN_SECONDS,
        cancel: CancelToken | None = None,
    ) -> None:
        self._api = api
        self._reboot_timeout = reboot_timeout
        self._cancel = cancel or CancelToken()

    def instance(self, node: Obj) -> Instance:
        return Instance(self.name, name_of(node), name_of(node))

    def _node(self, inst: Instance) -> Obj:
        return self._api.get(ObjectRef.node(inst.node))

    def stop(self, kube: JournaledClient, inst: Instance) -> Change:
        change = kube.set_label(ObjectRef.node(inst.node), NOT_READY_LABEL, "true")
        if change.entry is None:
            raise ScenarioError(f"node {inst.node} is already stopped ({NOT_READY_LABEL} is set)")
        return change

    def start(self, kube: JournaledClient, inst: Instance) -> None:
        if NOT_READY_LABEL in labels_of(self._node(inst)):
            raise ScenarioError(
                f"node {inst.node} was stopped, but not by this run; the local provider starts "
                "only nodes undertow stopped (see `undertow rollback list`)"
            )

    def reboot(self, kube: JournaledClient, inst: Instance) -> Change:
        """Stop, see the node report NotReady, start again (revert the stop).

        The reboot counts only once the node was seen down: a node still Ready
        `reboot_timeout` seconds after its stop was not rebooted, so its stop is undone and
        the reboot fails, saying so (a cancelled run just undoes the stop).
        """
        change = self.stop(kube, inst)
        try:
            went_down = self._seen_not_ready(inst)
        finally:
            kube.revert_or_fail(change, failure=f"node {inst.node} could not be started again")
        if not went_down and not self._cancel.cancelled:
            raise ScenarioError(
                f"node {inst.node} still reported Ready {self._reboot_timeout:g}s after its "
                "stop: it was not rebooted (the stop was undone)"
            )
        return change

    def _seen_not_ready(self, inst: Instance) -> bool:
        deadline = time.monotonic() + self._reboot_timeout
        while node_is_ready(self._node(inst)):
            if time.monotonic() >= deadline or self._cancel.wait(POLL_SECONDS):
                return False
        return True

    def terminate(self, kube: JournaledClient, inst: Instance) -> None:
        raise ScenarioError(
            "node_termination needs a cloud provider: a local kwok node has no machine to delete"
        )

    def state(self, inst: Instance) -> InstanceState:
        node = self._node(inst)
        if NOT_READY_LABEL in labels_of(node):
            return "stopped" if not node_is_ready(node) else "changing"
        return "running" if node_is_ready(node) else "changing"
