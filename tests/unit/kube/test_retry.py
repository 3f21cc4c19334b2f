"""Retry and error wrapping: pure logic, exercised with the client's own exception types."""

from __future__ import annotations

import json

import pytest
import urllib3.exceptions
from kubernetes.client.exceptions import ApiException

from undertow import errors
from undertow.kube.errors import wrap
from undertow.kube.retry import RetryPolicy, call

POLICY = RetryPolicy(attempts=4, first_delay=0.1, max_delay=0.3)


def _api_error(status: int, message: str = "nope") -> ApiException:
    exc = ApiException(status=status, reason="Reason")
    exc.body = json.dumps({"kind": "Status", "message": message})
    return exc


class Flaky:
    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, errors.NotFound),
        (409, errors.Conflict),
        (401, errors.Forbidden),
        (403, errors.Forbidden),
        (429, errors.ServerError),
        (503, errors.ServerError),
        (422, errors.KubeError),
    ],
)
def test_statuses_map_to_the_error_family(status: int, kind: type[errors.KubeError]) -> None:
    wrapped = wrap(_api_error(status, 'pods "x" not found'), "get Pod a/x")
    assert type(wrapped) is kind and wrapped.status == status
    assert str(wrapped) == f'get Pod a/x: {status} pods "x" not found'


def test_dropped_connection_is_a_server_error() -> None:
    wrapped = wrap(urllib3.exceptions.ProtocolError("reset"), "list Pod")
    assert isinstance(wrapped, errors.ServerError) and "connection" in str(wrapped)


def test_reads_retry_transient_failures_with_growing_bounded_delays() -> None:
    sleeps: list[float] = []
    fn = Flaky(_api_error(503), urllib3.exceptions.ProtocolError("reset"), _api_error(429))
    assert call(fn, "get", policy=POLICY, sleep=sleeps.append) == "ok"
    assert fn.calls == 4 and sleeps == [0.1, 0.2, 0.3]


def test_reads_give_up_after_the_attempts_and_chain_the_cause() -> None:
    fn = Flaky(*[_api_error(500)] * 10)
    with pytest.raises(errors.ServerError) as info:
        call(fn, "get", policy=POLICY, sleep=lambda _s: None)
    assert fn.calls == 4 and isinstance(info.value.__cause__, ApiException)


def test_client_errors_are_not_retried() -> None:
    fn = Flaky(_api_error(404))
    with pytest.raises(errors.NotFound):
        call(fn, "get", policy=POLICY, sleep=lambda _s: None)
    assert fn.calls == 1


def test_mutations_retry_only_what_surely_was_not_applied() -> None:
    throttled = Flaky(_api_error(429))
    assert call(throttled, "create", policy=POLICY, mutation=True, sleep=lambda _s: None) == "ok"
    for unknown in (_api_error(503), urllib3.exceptions.ProtocolError("reset")):
        fn = Flaky(unknown)
        with pytest.raises(errors.ServerError):
            call(fn, "create", policy=POLICY, mutation=True, sleep=lambda _s: None)
        assert fn.calls == 1  # possibly applied: the caller keeps the undo pending


def test_undertow_errors_pass_through_untouched() -> None:
    original = errors.NotFound("already wrapped")
    with pytest.raises(errors.NotFound) as info:
        call(Flaky(original), "get", policy=POLICY, sleep=lambda _s: None)
    assert info.value is original


def _throttled(retry_after: str) -> ApiException:
    exc = _api_error(429, "slow down")
    exc.headers = {"Retry-After": retry_after}
    return exc


def test_a_retry_after_lengthens_the_pause_up_to_the_policys_maximum() -> None:
    sleeps: list[float] = []
    fn = Flaky(_throttled("0.25"), _throttled("soon"), _throttled("60"))
    assert call(fn, "create", policy=POLICY, mutation=True, sleep=sleeps.append) == "ok"
    assert sleeps == [0.25, 0.2, 0.3]  # asked for; unreadable: the backoff; capped
