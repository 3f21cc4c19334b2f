"""Recovery measurement: did the workload come back, and how long did each victim take?

`PodRecovery` is fed successive listings of the targeted pods (`observe`) and decides
when as many pods are Running and Ready as before the disruption. Each killed pod is
paired with the first replacement from the same controller that became ready, which
gives a time-to-recover per pod. It does no I/O: the caller lists pods and passes the
time, so the rules are tested in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from undertow.scenarios.common.status import (
    Obj,
    controller_uid,
    name_of,
    namespace_of,
    pod_is_ready,
    uid_of,
)


@dataclass(frozen=True)
class KilledPod:
    namespace: str
    name: str
    uid: str
    owner_uid: str | None
    killed_at: float

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @classmethod
    def of(cls, pod: Obj, killed_at: float) -> KilledPod:
        return cls(namespace_of(pod), name_of(pod), uid_of(pod), controller_uid(pod), killed_at)


@dataclass(frozen=True)
class Replacement:
    name: str
    uid: str
    owner_uid: str | None
    ready_at: float


@dataclass
class PodRecovery:
    """Tracks the return to `expected` Running+Ready pods after `killed` were deleted."""

    expected: int
    baseline_uids: frozenset[str]
    killed: list[KilledPod] = field(default_factory=list)
    ready_now: int = 0
    recovered_at: float | None = None
    _replacements: dict[str, Replacement] = field(default_factory=dict)

    @classmethod
    def before(cls, pods: Iterable[Obj]) -> PodRecovery:
        """Baseline from the pods that match the target before anything is killed."""
        listed = list(pods)
        return cls(
            expected=sum(1 for pod in listed if pod_is_ready(pod)),
            baseline_uids=frozenset(uid_of(pod) for pod in listed),
        )

    def killed_pod(self, pod: Obj, at: float) -> None:
        self.killed.append(KilledPod.of(pod, at))

    def observe(self, pods: Iterable[Obj], now: float) -> bool:
        """Record one listing of the targeted pods; return True once recovered."""
        killed_uids = {k.uid for k in self.killed}
        ready = 0
        for pod in pods:
            if not pod_is_ready(pod) or uid_of(pod) in killed_uids:
                continue
            ready += 1
            uid = uid_of(pod)
            if uid not in self.baseline_uids and uid not in self._replacements:
                self._replacements[uid] = Replacement(name_of(pod), uid, controller_uid(pod), now)
        self.ready_now = ready
        if self.recovered_at is None and ready >= self.expected:
            self.recovered_at = now
        return self.recovered_at is not None

    @property
    def recovered(self) -> bool:
        return self.recovered_at is not None

    def times_to_recover(self) -> dict[str, float | None]:
        """Seconds from each kill until its replacement was seen ready (None: not yet).

        A killed pod is paired with the earliest-ready unpaired replacement from the same
        controller; pods without a controller are paired with any remaining replacement.
        """
        pool = sorted(self._replacements.values(), key=lambda r: r.ready_at)
        result: dict[str, float | None] = {}
        for victim in sorted(self.killed, key=lambda k: k.killed_at):
            owner = victim.owner_uid
            match = next((r for r in pool if owner is not None and r.owner_uid == owner), None)
            if match is None and victim.owner_uid is None and pool:
                match = pool[0]
            if match is None:
                result[victim.key] = None
                continue
            pool.remove(match)
            result[victim.key] = max(0.0, match.ready_at - victim.killed_at)
        return result
