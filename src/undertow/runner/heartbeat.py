"""The heartbeat: a running run renews a Lease, so the cluster can tell it from a dead one.

`Heartbeat` is the pure logic (create, renew every `interval`, end), over a `LeaseStore`
and a `Clock`; `undertow.runner.lease` is the store that writes the real Lease. The Lease
never decides whether a run restores the cluster: failing to create it warns and the run
goes on without one, failing to renew warns once per streak of failures, failing to delete
it at the end warns (the Lease then lapses, and `rollback sweep` removes it).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from typing import Protocol

from undertow.clock import CancelToken, Clock
from undertow.config import HeartbeatSection

LEASE_PREFIX = "undertow-run-"


class LeaseStore(Protocol):
    """Where one run's Lease lives; every method raises on failure (any exception)."""

    def create(self, name: str, *, holder: str, duration: int, renewed: float) -> None: ...

    def renew(self, name: str, *, renewed: float) -> None: ...

    def delete(self, name: str) -> None: ...


def lease_name(run_id: str) -> str:
    """`undertow-run-<run id>`, made a valid DNS label (lower case, at most 63 characters)."""
    cleaned = re.sub(r"[^a-z0-9-]+", "-", run_id.lower())
    return (LEASE_PREFIX + cleaned)[:63].rstrip("-")


def holder_identity() -> str:
    """`<host>/<pid>`: which process holds the Lease."""
    return f"{socket.gethostname()}/{os.getpid()}"


class Heartbeat:
    """One run's Lease: `begin` creates it, `run` renews it, `end` deletes it."""

    def __init__(
        self,
        store: LeaseStore,
        *,
        name: str,
        holder: str,
        settings: HeartbeatSection,
        clock: Clock,
        log: logging.Logger,
    ) -> None:
        self._store = store
        self.name = name
        self._holder = holder
        self._settings = settings
        self._clock = clock
        self._log = log
        self._failing = False
        self.held = False
        """True once the Lease was created, until it is deleted."""

    def begin(self) -> bool:
        """Create the Lease; on failure warn and return False (the run goes on without it)."""
        try:
            self._store.create(
                self.name,
                holder=self._holder,
                duration=self._settings.grace,
                renewed=self._clock.wall(),
            )
        except Exception as exc:  # the Lease must never stop a run
            self._log.warning(
                "no heartbeat for this run: could not create Lease %s/%s (%s); the run goes on "
                "(deploy/rbac.yaml creates the namespace; heartbeat.namespace picks another)",
                self._settings.namespace,
                self.name,
                exc,
            )
            return False
        self.held = True
        return True

    def beat(self) -> bool:
        """Renew once; warn on the first failure of a streak, say when renewing works again."""
        try:
            self._store.renew(self.name, renewed=self._clock.wall())
        except Exception as exc:  # a failed renewal is never fatal
            if not self._failing:
                self._log.warning(
                    "could not renew Lease %s/%s (%s); retrying every %gs, quiet until it works",
                    self._settings.namespace,
                    self.name,
                    exc,
                    self._settings.interval,
                )
            self._failing = True
            return False
        if self._failing:
            self._log.info("Lease %s/%s renewed again", self._settings.namespace, self.name)
        self._failing = False
        return True

    def run(self, stop: CancelToken) -> None:
        """Renew every `interval` until `stop` is cancelled."""
        while not self._clock.sleep(self._settings.interval, stop):
            self.beat()

    def end(self) -> None:
        """Delete the Lease (the run ended, after its rollback); a failure only warns."""
        if not self.held:
            return
        try:
            self._store.delete(self.name)
        except Exception as exc:  # the run's outcome is already decided
            self._log.warning(
                "could not delete Lease %s/%s (%s); it lapses after %ds, "
                "and `undertow rollback sweep` removes it",
                self._settings.namespace,
                self.name,
                exc,
                self._settings.grace,
            )
            return
        self.held = False


class HeartbeatThread:
    """Runs `Heartbeat.run` in a daemon thread between `start` and `stop`."""

    def __init__(self, heartbeat: Heartbeat) -> None:
        self._heartbeat = heartbeat
        self._stop = CancelToken()
        self._thread = threading.Thread(
            target=heartbeat.run, args=(self._stop,), name="undertow-heartbeat", daemon=True
        )

    def start(self) -> None:
        """Create the Lease, and renew it in the background if that worked."""
        if self._heartbeat.begin():
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop renewing (waiting at most `timeout` for a renewal under way), then delete."""
        self._stop.cancel("run ended")
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._heartbeat.end()
