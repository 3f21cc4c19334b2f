"""The node provider interface, and the shared shape of the cloud providers.

A provider turns a Node into an `Instance` (pure: from the node's providerID and labels),
and acts on it. `stop` and `reboot` are journaled before they happen: their undo starts the
instance again, so even a run killed with SIGKILL leaves nothing stopped once
`undertow rollback execute` has run. `start` of an instance the run did not stop, and
`terminate`, have nothing to undo. The providers with a disk API (aws, gcp, azure) also
detach an instance's data disks, each journaled first: its undo attaches it back at the same
place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, Protocol, cast

from undertow.errors import ScenarioError
from undertow.kube.refs import ObjectRef
from undertow.rollback.client import Change, JournaledClient
from undertow.scenarios.common.status import Obj, name_of
from undertow.undo import cloud
from undertow.undo.outcome import UndoError
from undertow.undo.records import AttachDisk, DiskRecord, InstanceRecord, StartInstance

InstanceState = Literal["running", "stopped", "terminated", "changing", "unknown"]


@dataclass(frozen=True)
class Instance:
    """The machine behind one node. `where` holds what the SDK needs to find it again
    (region, zone, project, resource group...), never credentials."""

    provider: str
    node: str
    id: str
    where: Mapping[str, str] = field(default_factory=dict)

    def undo_record(self) -> InstanceRecord:
        """The `instance` value of a `start_instance` undo record (plain literals only)."""
        return cast(InstanceRecord, {"provider": self.provider, "id": self.id, **self.where})

    def __str__(self) -> str:
        return f"{self.provider} instance {self.id} (node {self.node})"


@dataclass(frozen=True)
class Disk:
    """A data disk attached to an instance (never its boot disk): its id, where it is attached
    (device name or LUN), and what else the provider needs to attach it back the same way."""

    id: str
    device: str
    details: Mapping[str, str] = field(default_factory=dict)

    def undo_record(self) -> DiskRecord:
        """The `disk` value of an `attach_disk` undo record (plain literals only)."""
        return cast(DiskRecord, {"id": self.id, "device": self.device, **self.details})

    def __str__(self) -> str:
        return f"disk {self.id} (at {self.device})"


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


@contextmanager
def sdk_errors(inst: Instance) -> Iterator[None]:
    """The SDK's clients are built by `undertow.undo.cloud` (the undo verbs use the same);
    what it refuses (an SDK or a setting missing) is a ScenarioError here."""
    try:
        yield
    except UndoError as exc:
        raise ScenarioError(f"the {inst.provider} node provider, for {inst}: {exc}") from exc


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
    (`_stop`, `_reboot`, `_terminate`, `_state`) with the clients `undertow.undo.cloud`
    builds; starting is the undo verb itself."""

    name = "cloud"

    def instance(self, node: Obj) -> Instance:
        raise NotImplementedError

    def _stop(self, inst: Instance) -> None:
        raise NotImplementedError

    def _reboot(self, inst: Instance) -> None:
        raise NotImplementedError

    def _terminate(self, inst: Instance) -> None:
        raise NotImplementedError

    def _state(self, inst: Instance) -> InstanceState:
        raise NotImplementedError

    def _data_disks(self, inst: Instance) -> list[Disk]:
        raise NotImplementedError

    def _detach_disk(self, inst: Instance, disk: Disk) -> None:
        raise NotImplementedError

    def state(self, inst: Instance) -> InstanceState:
        with sdk_errors(inst):
            return self._state(inst)

    def _journaled(
        self, kube: JournaledClient, inst: Instance, verb: str, apply: Callable[[Instance], None]
    ) -> Change:
        record: StartInstance = {
            "action": "start_instance",
            "description": f"start {inst} again (undertow ran {verb} on it)",
            "instance": inst.undo_record(),
        }

        def act() -> None:
            with sdk_errors(inst):
                apply(inst)

        return kube.external(ObjectRef.node(inst.node), record, act)

    def stop(self, kube: JournaledClient, inst: Instance) -> Change:
        return self._journaled(kube, inst, "stop", self._stop)

    def reboot(self, kube: JournaledClient, inst: Instance) -> Change:
        return self._journaled(kube, inst, "reboot", self._reboot)

    def start(self, kube: JournaledClient, inst: Instance) -> None:
        try:
            cloud.start_instance(inst.undo_record())
        except UndoError as exc:
            raise ScenarioError(f"could not start {inst}: {exc}") from exc

    def terminate(self, kube: JournaledClient, inst: Instance) -> None:
        with sdk_errors(inst):
            self._terminate(inst)

    def data_disks(self, inst: Instance) -> list[Disk]:
        """The disks attached to the instance besides its boot disk."""
        with sdk_errors(inst):
            return self._data_disks(inst)

    def detach_disk(self, kube: JournaledClient, inst: Instance, disk: Disk) -> Change:
        """Detach a data disk, journaled first: the returned change's undo attaches it back."""
        record: AttachDisk = {
            "action": "attach_disk",
            "description": f"attach {disk} back to {inst}",
            "instance": inst.undo_record(),
            "disk": disk.undo_record(),
        }

        def act() -> None:
            with sdk_errors(inst):
                self._detach_disk(inst, disk)

        return kube.external(ObjectRef.node(inst.node), record, act)
