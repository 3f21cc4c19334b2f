from undertow.clock import CancelToken
from undertow.scenarios.common.recovery import PodRecovery
from undertow.scenarios.common.waiting import wait_until


def pod(
    name: str, uid: str, owner: str | None = "rs1", ready: bool = True, deleting: bool = False
) -> dict:
    meta: dict = {"namespace": "ns", "name": name, "uid": uid}
    if owner:
        meta["ownerReferences"] = [{"uid": owner, "controller": True, "kind": "ReplicaSet"}]
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status = {
        "phase": "Running" if ready else "Pending",
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
    }
    return {"metadata": meta, "status": status}


def test_recovered_when_as_many_pods_are_ready_as_before() -> None:
    before = [pod("a", "u1"), pod("b", "u2"), pod("c", "u3", ready=False)]
    tracker = PodRecovery.before(before)
    assert tracker.expected == 2
    tracker.killed_pod(before[0], at=10.0)
    # The victim still terminating does not count; the replacement is pending.
    assert not tracker.observe(
        [pod("a", "u1", deleting=True), pod("b", "u2"), pod("d", "u4", ready=False)], 11.0
    )
    assert tracker.times_to_recover() == {"ns/a": None}
    assert tracker.observe([pod("b", "u2"), pod("d", "u4")], 13.5)
    assert tracker.recovered_at == 13.5
    assert tracker.times_to_recover() == {"ns/a": 3.5}


def test_replacements_are_paired_with_victims_of_the_same_controller() -> None:
    before = [pod("a", "u1", owner="rsA"), pod("b", "u2", owner="rsB")]
    tracker = PodRecovery.before(before)
    tracker.killed_pod(before[0], at=0.0)
    tracker.killed_pod(before[1], at=1.0)
    tracker.observe([pod("b2", "u4", owner="rsB")], 2.0)
    tracker.observe([pod("b2", "u4", owner="rsB"), pod("a2", "u3", owner="rsA")], 5.0)
    assert tracker.times_to_recover() == {"ns/a": 5.0, "ns/b": 1.0}
    assert tracker.recovered


def test_not_recovered_when_fewer_pods_come_back() -> None:
    before = [pod("a", "u1"), pod("b", "u2")]
    tracker = PodRecovery.before(before)
    tracker.killed_pod(before[0], at=0.0)
    assert not tracker.observe([pod("b", "u2")], 30.0)
    assert tracker.ready_now == 1 and not tracker.recovered


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.now

    def sleep(self, seconds: float, cancel: CancelToken) -> bool:
        self.now += seconds
        return cancel.cancelled


def test_wait_until_polls_until_true_or_deadline() -> None:
    clock = FakeClock()
    calls = []

    def check() -> bool:
        calls.append(clock.now)
        return clock.now >= 3

    outcome = wait_until(check, timeout=10, interval=1, clock=clock, cancel=CancelToken())
    assert outcome.done and outcome.elapsed == 3 and calls == [0, 1, 2, 3]
    clock2 = FakeClock()
    outcome = wait_until(lambda: False, timeout=2.5, interval=1, clock=clock2, cancel=CancelToken())
    assert not outcome.done and not outcome.cancelled and clock2.now == 2.5


def test_wait_until_stops_on_cancel_and_checks_once_with_zero_timeout() -> None:
    token = CancelToken()
    token.cancel("signal")
    outcome = wait_until(lambda: False, timeout=5, interval=1, clock=FakeClock(), cancel=token)
    assert outcome.cancelled and not outcome.done
    calls: list[int] = []
    outcome = wait_until(
        lambda: calls.append(1) or False,
        timeout=0,
        interval=1,
        clock=FakeClock(),
        cancel=CancelToken(),
    )
    assert calls == [1] and not outcome.done
