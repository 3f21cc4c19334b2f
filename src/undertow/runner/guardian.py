"""The guardian: rolls back, from the cluster copy, every run whose Lease lapsed.

Each pass lists the runs' Leases (`undertow-run-*`) in its namespace. A Lease renewed within
its duration belongs to a live run (or to another guardian at work) and is never touched. A
lapsed one means its run died without a clean end (a clean end deletes it), so the guardian
**claims** it: one JSON patch that tests the resourceVersion it read and sets itself as
holder, renewed now, for `claim` seconds. Two guardians that see the same lapsed Lease both
send that patch; the API server applies one, the other gets a 409/422 and leaves the run. The
holder then restores the run from its copy (`cluster_restore.restore_run`), renewing its
claim before each entry (and stopping if it lost it), so no entry is undone by two guardians.

What it did is recorded as an Event on the Lease's run (reason `RunRolledBack`, or
`RollbackIncomplete` with what stays pending) and as the annotation
`undertow.io/rolled-back-by` on the run's copy. A complete rollback deletes the Lease; an
incomplete one leaves the claim to lapse, and a later pass tries again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from undertow import errors
from undertow.clock import CancelToken, Clock
from undertow.kube import KubeApi, ObjectRef, mutate
from undertow.rollback.cluster_copy import ROLLED_BACK_BY, read_copies
from undertow.rollback.entry import RollbackReport
from undertow.runner.cluster_restore import restore_run
from undertow.runner.heartbeat import LEASE_PREFIX
from undertow.runner.lease import API_VERSION, KIND, LeaseState, micro_time
from undertow.undo.labels import RUN_LABEL

GuardianMode = Literal["required", "optional", "off"]
"""`undertow run --guardian`: must a guardian watch the run's namespace?"""
GUARDIAN_APP = "undertow-guardian"
"""`app.kubernetes.io/name` of the guardian's Deployment (`undertow guardian install`)."""
GUARDIAN_HOLDER = "guardian:"
"""The prefix of a Lease's holderIdentity while a guardian rolls its run back."""
COMPONENT = "undertow-guardian"


@dataclass(frozen=True)
class GuardianSettings:
    """What a guardian watches and how often (seconds)."""

    namespace: str
    interval: float = 10.0
    claim: int = 60
    """How long a claim on a dead run's Lease holds without renewal."""


@dataclass(frozen=True)
class Handled:
    """One dead run a pass rolled back (or tried to)."""

    run_id: str
    report: RollbackReport


class Guardian:
    """One guardian process: `sweep` is one pass, `run` repeats it every `interval`."""

    def __init__(
        self,
        api: KubeApi,
        settings: GuardianSettings,
        *,
        identity: str,
        clock: Clock,
        log: logging.Logger,
    ) -> None:
        self._api = api
        self._settings = settings
        self._holder = GUARDIAN_HOLDER + identity
        self._clock = clock
        self._log = log

    def _ref(self, name: str) -> ObjectRef:
        return ObjectRef(API_VERSION, KIND, name, self._settings.namespace)

    def sweep(self) -> list[Handled]:
        """One pass: claim and roll back every run whose Lease has lapsed."""
        handled: list[Handled] = []
        for lease in self._api.list(API_VERSION, KIND, namespace=self._settings.namespace):
            name = str(lease["metadata"]["name"])
            run_id = (lease["metadata"].get("labels") or {}).get(RUN_LABEL)
            if not name.startswith(LEASE_PREFIX) or not run_id:
                continue
            state = LeaseState.of(lease)
            if state.fresh(self._clock.wall()) or not self._claim(state):
                continue
            handled.append(Handled(str(run_id), self._restore(str(run_id), state)))
        return handled

    def _claim(self, state: LeaseState) -> bool:
        """Take the lapsed Lease, only if nobody changed it since it was read."""
        ops: list[dict[str, Any]] = [
            {"op": "test", "path": "/metadata/resourceVersion", "value": state.resource_version},
            *self._holding_ops(),
        ]
        try:
            mutate.json_patch(self._api, self._ref(state.name), ops)
        except errors.KubeError as exc:
            if exc.status in (404, 409, 422):  # gone, or another guardian took it first
                return False
            raise
        return True

    def _holding_ops(self) -> list[dict[str, Any]]:
        return [
            {"op": "add", "path": "/spec/holderIdentity", "value": self._holder},
            {"op": "add", "path": "/spec/renewTime", "value": micro_time(self._clock.wall())},
            {"op": "add", "path": "/spec/leaseDurationSeconds", "value": self._settings.claim},
        ]

    def _still_mine(self, name: str) -> Callable[[], bool]:
        """Renew the claim; False once another holder has it (the rollback then stops)."""

        def renew() -> bool:
            ops = [
                {"op": "test", "path": "/spec/holderIdentity", "value": self._holder},
                *self._holding_ops(),
            ]
            try:
                mutate.json_patch(self._api, self._ref(name), ops)
            except errors.KubeError as exc:
                self._log.warning("lost the claim on Lease %s (%s); stopping", name, exc)
                return False
            return True

        return renew

    def _restore(self, run_id: str, state: LeaseState) -> RollbackReport:
        self._log.warning("run %s: its Lease %s lapsed; rolling it back", run_id, state.name)
        report = RollbackReport()
        copies = read_copies(self._api, self._settings.namespace, run_id=run_id)
        still_mine = self._still_mine(state.name)
        refused: list[str] = []
        for copied in copies:
            refused.extend(copied.refused)
            report.extend(restore_run(self._api, copied, should_abort=lambda: not still_mine()))
        for outcome in report.outcomes:
            log = self._log.info if outcome.ok else self._log.warning
            log("run %s: %s: %s", run_id, outcome.outcome, outcome.detail)
        complete = report.complete and not refused
        summary = _summary(report, refused, copied=bool(copies))
        self._record(run_id, state.name, complete=complete, summary=summary)
        if complete:
            try:
                mutate.delete(self._api, self._ref(state.name))
            except errors.KubeError as exc:
                self._log.warning("run %s: could not delete Lease %s: %s", run_id, state.name, exc)
        return report

    def _record(self, run_id: str, lease: str, *, complete: bool, summary: str) -> None:
        """The annotation on the run's copy, then an Event on its Lease."""
        now = micro_time(self._clock.wall())
        reason = "RunRolledBack" if complete else "RollbackIncomplete"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "generateName": f"{lease}.",
                "namespace": self._settings.namespace,
                "labels": {RUN_LABEL: run_id},
            },
            "involvedObject": {
                "apiVersion": API_VERSION,
                "kind": KIND,
                "name": lease,
                "namespace": self._settings.namespace,
            },
            "reason": reason,
            "message": f"run {run_id}: {summary}"[:1024],
            "type": "Normal" if complete else "Warning",
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": self._holder[:128],
            "firstTimestamp": now[:19] + "Z",
            "lastTimestamp": now[:19] + "Z",
            "count": 1,
        }
        annotation = f"{self._holder} at {now}: {summary}"
        for copied in read_copies(self._api, self._settings.namespace, run_id=run_id):
            for kind, name in copied.objects:
                op: dict[str, Any] = {"op": "add", "path": "/metadata/annotations", "value": {}}
                patch: dict[str, Any] = {
                    "op": "add",
                    "path": "/metadata/annotations/" + ROLLED_BACK_BY.replace("/", "~1"),
                    "value": annotation[:4096],
                }
                ref = ObjectRef("v1", kind, name, self._settings.namespace)
                try:
                    current = self._api.get(ref)
                    ops = [patch] if current["metadata"].get("annotations") else [op, patch]
                    mutate.json_patch(self._api, ref, ops)
                except errors.KubeError as exc:
                    self._log.warning("run %s: could not annotate its copy: %s", run_id, exc)
        try:
            mutate.create(self._api, event)
        except errors.KubeError as exc:
            self._log.warning("run %s: could not record an Event: %s", run_id, exc)

    def run(self, stop: CancelToken) -> None:
        """A pass every `interval` until `stop` is cancelled; a failed pass only warns."""
        while True:
            try:
                self.sweep()
            except errors.UndertowError as exc:
                self._log.warning(
                    "guardian pass failed (%s); next in %gs", exc, self._settings.interval
                )
            if self._clock.sleep(self._settings.interval, stop):
                return


def _summary(report: RollbackReport, refused: list[str], *, copied: bool) -> str:
    if not copied:
        return "no cluster copy of its journal (restore it where it ran, or `rollback sweep`)"
    counts = ", ".join(f"{n} {o}" for o, n in sorted(report.counts().items())) or "nothing pending"
    problems = [*(f"{o.outcome}: {o.detail}" for o in report.not_restored), *refused]
    return counts + (f"; still pending: {'; '.join(problems)}" if problems else "")


def guardian_ready(api: KubeApi, namespace: str) -> bool:
    """A guardian Deployment in `namespace` has a ready replica (False if it cannot be read)."""
    try:
        deployments = api.list(
            "apps/v1",
            "Deployment",
            namespace,
            label_selector=f"app.kubernetes.io/name={GUARDIAN_APP}",
        )
    except errors.KubeError:
        return False
    return any(int((d.get("status") or {}).get("readyReplicas") or 0) > 0 for d in deployments)


def identity() -> str:
    """`<host or pod name>/<random>`: tells guardian replicas apart."""
    import socket

    return f"{socket.gethostname()}/{secrets.token_hex(4)}"
