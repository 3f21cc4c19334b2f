"""Did a disrupted namespace come back, and when?

`NamespaceRecovery` holds what a namespace had before undertow deleted its workloads (or the
namespace itself): its uid, the top-level workload objects by `Kind/name` with their uids,
and how many pods were Running+Ready. It is fed successive observations and decides when
everything is back: the namespace active again, every object present again as a new
object (a new uid: the old one being deleted does not count), and at least as many ready
pods as before. No I/O: the caller lists and passes the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from undertow.scenarios.common.status import Obj, is_terminating, pod_is_ready, uid_of
from undertow.scenarios.common.workloads import object_key


@dataclass
class NamespaceRecovery:
    namespace: str
    namespace_uid: str | None
    """Set when the namespace itself is deleted: then it must come back with a new uid."""
    objects: Mapping[str, str]
    """`Kind/name` → uid before the disruption."""
    ready_before: int
    deleted_at: float
    recovered_at: float | None = None
    missing: list[str] = field(default_factory=list)
    ready_now: int = 0

    @classmethod
    def before(
        cls,
        namespace: str,
        workloads: Iterable[Obj],
        pods: Iterable[Obj],
        *,
        namespace_uid: str | None,
        at: float,
    ) -> NamespaceRecovery:
        return cls(
            namespace=namespace,
            namespace_uid=namespace_uid,
            objects={object_key(o): uid_of(o) for o in workloads},
            ready_before=sum(1 for p in pods if pod_is_ready(p)),
            deleted_at=at,
        )

    def observe(
        self, namespace: Obj | None, workloads: Iterable[Obj], pods: Iterable[Obj], now: float
    ) -> bool:
        """Record one look at the namespace; return True once it has recovered."""
        if self.recovered_at is not None:
            return True
        back = {
            object_key(o)
            for o in workloads
            if not is_terminating(o) and uid_of(o) != self.objects.get(object_key(o))
        }
        self.missing = sorted(set(self.objects) - back)
        if not self._namespace_back(namespace):
            self.missing.insert(0, f"Namespace/{self.namespace}")
        self.ready_now = sum(1 for p in pods if pod_is_ready(p))
        if not self.missing and self.ready_now >= self.ready_before:
            self.recovered_at = now
        return self.recovered_at is not None

    def _namespace_back(self, namespace: Obj | None) -> bool:
        if namespace is None or is_terminating(namespace):
            return False
        return self.namespace_uid is None or uid_of(namespace) != self.namespace_uid

    @property
    def recovered(self) -> bool:
        return self.recovered_at is not None

    @property
    def seconds(self) -> float | None:
        """Seconds from the deletion until everything was back (None: not yet)."""
        return None if self.recovered_at is None else self.recovered_at - self.deleted_at

    def shortfall(self) -> str:
        """What is still missing, for the report."""
        parts = []
        if self.missing:
            shown = ", ".join(self.missing[:5]) + (" …" if len(self.missing) > 5 else "")
            parts.append(f"missing {shown}")
        if self.ready_now < self.ready_before:
            parts.append(f"{self.ready_now} of {self.ready_before} pods Running+Ready")
        return "; ".join(parts) or "recovered"
