"""The node provider interface, and the shared shape of the cloud providers.

A provider turns a Node into an `Instance` (pure: from the node's providerID and labels),
and acts on it. `stop` and `reboot` are journaled before they happen: their undo starts the
instance again, so even a run killed with SIGKILL leaves nothing stopped once
`undertow rollback execute` has run. `start` of an instance the run did not stop, and
`terminate`, have nothing to undo.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, Protocol

from undertow.errors import ScenarioError
from undertow.kube.refs import ObjectRef
from undertow.rollback import undo
from undertow.rollback.client import Change, JournaledClient
from undertow.scenarios.common.status import Obj, name_of

InstanceState = Literal["running", "stopped", "terminated", "changing", "unknown"]


@dataclass(frozen=True)
class Instance:
    """The machine behind one node. `where` holds what the SDK needs to find it again
    (region, zone, project, resource group...), never credentials."""

    provider: str
    node: str
    id: str
    where: Mapping[str, str] = field(default_factory=dict)

    def undo_record(self) -> dict[str, Any]:
        """The `instance` value of a `start_instance` undo record (plain literals only)."""
        return {"provider": self.provider, "id": self.id, **dict(self.where)}

    def __str__(self) -> str:
        return f"{self.provider} instance {self.id} (node {self.node})"


class NodeProvider(Protocol):
    @property
    def name(self) -> str: ...

    def instance(self, node: Obj) -> Instance: ...

    def stop(self, kube: JournaledClient, inst: Instance) -> Change:
        """Stop it, journaled first: the returned change's undo starts it again."""
        ...

    def start(self, kube: JournaledClient, inst: Instance) -> None:
        """Start an instance this run did not stop (nothing to undo)."""
        ...

    def reboot(self, kube: JournaledClient, inst: Instance) -> Change:
        """Reboot it; journaled like a stop, since a reboot may leave it stopped."""
        ...

    def terminate(self, kube: JournaledClient, inst: Instance) -> None:
        """Delete the instance for good (irreversible; cloud providers only)."""
        ...

    def state(self, inst: Instance) -> InstanceState: ...


def require_sdk(module: str, extra: str) -> ModuleType:
    """Import a provider's SDK, or say which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ScenarioError(
            f"the {extra} node provider needs {module!r}: pip install 'undertow[{extra}]'"
        ) from exc


def require_env(variable: str, provider: str) -> str:
    """A setting a provider's SDK needs from the environment (as Krkn reads it), or say which."""
    value = os.environ.get(variable)
    if not value:
        raise ScenarioError(f"the {provider} node provider needs ${variable}")
    return value


def provider_id_tail(node: Obj) -> str:
    """The last path segment of `spec.providerID` (`aws:///us-east-1a/i-0abc` → `i-0abc`)."""
    provider_id = str((node.get("spec") or {}).get("providerID") or "")
    tail = provider_id.rstrip("/").rsplit("/", 1)[-1]
    if not provider_id or not tail:
        raise ScenarioError(f"node {name_of(node)} has no spec.providerID to find its instance")
    return tail


def provider_id_parts(node: Obj, scheme: str) -> list[str]:
    """The path segments of `spec.providerID` after `<scheme>://`, empty ones dropped."""
    provider_id = str((node.get("spec") or {}).get("providerID") or "")
    prefix = f"{scheme}://"
    if not provider_id.startswith(prefix):
        raise ScenarioError(
            f"node {name_of(node)}: providerID {provider_id!r} does not start with {prefix}"
        )
    return [part for part in provider_id[len(prefix) :].split("/") if part]


class CloudProvider:
    """Common shape of the cloud providers: subclasses make the SDK calls
    (`_stop`, `_reboot`, `_terminate`, `state`); starting is the undo verb itself."""

    name = "cloud"

    def instance(self, node: Obj) -> Instance:
        raise NotImplementedError

    def _stop(self, inst: Instance) -> None:
        raise NotImplementedError

    def _reboot(self, inst: Instance) -> None:
        raise NotImplementedError

    def _terminate(self, inst: Instance) -> None:
        raise NotImplementedError

    def state(self, inst: Instance) -> InstanceState:
        raise NotImplementedError

    def _journaled(self, kube: JournaledClient, inst: Instance, verb: str, apply: Any) -> Change:
        record = {
            "action": "start_instance",
            "description": f"start {inst} again (undertow ran {verb} on it)",
            "instance": inst.undo_record(),
        }
        return kube.external(ObjectRef.node(inst.node), record, lambda: apply(inst))

    def stop(self, kube: JournaledClient, inst: Instance) -> Change:
        return self._journaled(kube, inst, "stop", self._stop)

    def reboot(self, kube: JournaledClient, inst: Instance) -> Change:
        return self._journaled(kube, inst, "reboot", self._reboot)

    def start(self, kube: JournaledClient, inst: Instance) -> None:
        try:
            undo.start_instance(inst.undo_record())
        except undo.UndoError as exc:
            raise ScenarioError(f"could not start {inst}: {exc}") from exc

    def terminate(self, kube: JournaledClient, inst: Instance) -> None:
        self._terminate(inst)
