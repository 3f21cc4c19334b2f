"""The heartbeat's renew loop, with an injected clock and an in-memory Lease store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest

from undertow.clock import CancelToken
from undertow.config import HeartbeatSection
from undertow.runner.heartbeat import Heartbeat, lease_name


class StepClock:
    """Time moves only when the heartbeat sleeps; cancels `stop` after `beats` sleeps."""

    def __init__(self, stop: CancelToken, beats: int) -> None:
        self.now = 5000.0
        self.sleeps: list[float] = []
        self._stop = stop
        self._beats = beats

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now

    def sleep(self, seconds: float, cancel: CancelToken) -> bool:
        self.sleeps.append(seconds)
        self.now += seconds
        if len(self.sleeps) > self._beats:
            self._stop.cancel("test over")
        return cancel.cancelled


@dataclass
class MemoryLeases:
    """Leases by name; `failing` renewals (by call number, from 1) raise."""

    leases: dict[str, dict[str, object]] = field(default_factory=dict)
    failing: set[int] = field(default_factory=set)
    refuse_create: bool = False
    renewals: int = 0

    def create(self, name: str, *, holder: str, duration: int, renewed: float) -> None:
        if self.refuse_create:
            raise PermissionError("leases is forbidden")
        self.leases[name] = {"holder": holder, "duration": duration, "renewed": [renewed]}

    def renew(self, name: str, *, renewed: float) -> None:
        self.renewals += 1
        if self.renewals in self.failing:
            raise ConnectionError("connection refused")
        self.leases[name]["renewed"].append(renewed)  # type: ignore[attr-defined]

    def delete(self, name: str) -> None:
        del self.leases[name]


UUID = "4f1c2e9a-0000-4000-8000-00000000000a"
SETTINGS = HeartbeatSection(interval=10, grace=60)


def make(store: MemoryLeases, beats: int) -> tuple[Heartbeat, CancelToken, StepClock]:
    stop = CancelToken()
    clock = StepClock(stop, beats)
    beat = Heartbeat(
        store,
        name="undertow-run-r1",
        holder="host/42",
        settings=SETTINGS,
        clock=clock,
        log=logging.getLogger("test.heartbeat"),
    )
    return beat, stop, clock


def test_the_lease_is_created_renewed_every_interval_and_deleted_at_the_end() -> None:
    store = MemoryLeases()
    beat, stop, clock = make(store, beats=3)
    assert beat.begin()
    beat.run(stop)
    lease = store.leases["undertow-run-r1"]
    assert lease["holder"] == "host/42" and lease["duration"] == 60
    assert lease["renewed"] == [5000.0, 5010.0, 5020.0, 5030.0]
    assert clock.sleeps == [10, 10, 10, 10]
    beat.end()
    assert store.leases == {}


def test_a_failure_streak_warns_once_and_renewing_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = MemoryLeases(failing={2, 3, 4, 6})
    beat, stop, _ = make(store, beats=7)
    beat.begin()
    with caplog.at_level(logging.INFO, logger="test.heartbeat"):
        beat.run(stop)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # one per streak: calls 2-4, then call 6
    assert all("could not renew Lease undertow/undertow-run-r1" in w for w in warnings)
    assert sum("renewed again" in r.getMessage() for r in caplog.records) == 2
    assert store.renewals == 7


def test_a_lease_that_cannot_be_created_only_warns_and_nothing_is_deleted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = MemoryLeases(refuse_create=True)
    beat, _, _ = make(store, beats=0)
    assert not beat.begin()
    beat.end()  # nothing held, nothing to delete
    assert "no heartbeat for this run" in caplog.text
    assert "leases is forbidden" in caplog.text


def test_a_failed_delete_warns_that_the_lease_lapses(caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryLeases()
    beat, _, _ = make(store, beats=0)
    beat.begin()
    store.leases.clear()  # delete raises KeyError now
    beat.end()
    assert beat.held
    assert "it lapses after 60s, and `undertow rollback sweep` removes it" in caplog.text


@pytest.mark.parametrize(
    ("run_id", "name"),
    [
        (
            "4f1c2e9a-0000-4000-8000-000000000001",
            "undertow-run-4f1c2e9a-0000-4000-8000-000000000001",
        ),
        ("My_Run.7", "undertow-run-my-run-7"),
        ("x" * 80, "undertow-run-" + "x" * 50),
    ],
)
def test_lease_names_are_dns_labels(run_id: str, name: str) -> None:
    assert lease_name(run_id) == name
