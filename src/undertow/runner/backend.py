"""The runner's one seam to the cluster and the journal.

The run loop only sees these protocols. `undertow.runner.cluster` implements them with the
real kube client and rollback journal; unit tests of the loop's pure logic use plain fakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from undertow.runner.outcome import RollbackTally, StaleReport

if TYPE_CHECKING:
    from undertow.config.helper_pods import HelperPods
    from undertow.rollback.client import JournaledClient


class ScenarioGuard(Protocol):
    """The journaled client of one scenario file, settled once when it ends."""

    @property
    def kube(self) -> JournaledClient: ...

    def settle(self, *, passed: bool) -> RollbackTally:
        """Passed: clean up and forget the entries. Failed: roll back (if auto) or keep."""
        ...


class RunBackend(Protocol):
    """A run's connection to the cluster and its open rollback journal."""

    @property
    def run_id(self) -> str: ...

    @property
    def helper_pods(self) -> HelperPods:
        """Images and placement for the pods scenarios create (config over cluster defaults)."""
        ...

    def recover_stale(self) -> StaleReport:
        """Report pending entries of dead runs; roll them back when rollback.auto is on."""
        ...

    def begin(self, scenario_type: str, scenario_file: str) -> ScenarioGuard: ...

    def close(self) -> None: ...
