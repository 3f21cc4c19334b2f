"""`rollback sweep`'s leftovers, in memory: which labelled objects count, the undo step each
gets (the `delete_created` record `create` journals), and the executor's outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from undertow import errors
from undertow.kube import KubeApi
from undertow.rollback.entry import FAILED
from undertow.rollback.sweep import find_leftovers, leftover, remove_leftovers
from undertow.undo import FORMAT

NOW = 1_800_000_000.0


def labelled(name: str, run: str, *, age: float = 10.0, **meta: Any) -> dict[str, Any]:
    created = "2027-01-15T08:00:00Z" if age < 3600 else "2020-01-01T00:00:00Z"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": f"uid-{name}",
            "creationTimestamp": created,
            "labels": {
                "app.kubernetes.io/managed-by": "undertow",
                "undertow.io/run-id": run,
                "undertow.io/entry": f"e-{name}",
            },
            **meta,
        },
    }


class FakeApi:
    """listable_kinds/iter as KubeApi answers them; Secrets are forbidden to this identity."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects

    def listable_kinds(self) -> list[tuple[str, str]]:
        return [("v1", "ConfigMap"), ("v1", "Secret")]

    def iter(self, api_version: str, kind: str, **_: Any) -> Iterator[dict[str, Any]]:
        if kind == "Secret":
            raise errors.Forbidden("list Secret: 403 forbidden", status=403)
        yield from self.objects


def test_a_leftover_gets_the_undo_step_create_journals() -> None:
    item = leftover(labelled("web", "run-1"))
    assert item.run_id == "run-1"
    assert item.record == {
        "format": FORMAT,
        "action": "delete_created",
        "description": "delete leftover ConfigMap shop/web (run run-1)",
        "target": {
            "api_version": "v1",
            "kind": "ConfigMap",
            "name": "web",
            "namespace": "shop",
            "uid": "uid-web",
        },
        "labels": {"undertow.io/run-id": "run-1", "undertow.io/entry": "e-web"},
    }


def test_live_owned_and_young_unknown_objects_are_not_leftovers() -> None:
    api = FakeApi(
        [
            labelled("live", "run-live"),
            labelled("dead", "run-dead"),
            labelled("young-unknown", "run-elsewhere"),
            labelled("old-unknown", "run-elsewhere", age=7200),
            labelled("owned", "run-dead", ownerReferences=[{"uid": "x"}]),
            labelled("terminating", "run-dead", deletionTimestamp="2027-01-15T08:00:00Z"),
        ]
    )
    unlisted: list[str] = []
    found = find_leftovers(
        api,  # type: ignore[arg-type]
        live={"run-live"},
        dead={"run-dead"},
        min_age=3600,
        now=NOW,
        unlisted=unlisted,
    )
    assert [item.ref.name for item in found] == ["dead", "old-unknown"]
    assert unlisted == ["Secret.v1"]


def test_leftover_outcomes_are_the_executors() -> None:
    def no_cluster() -> KubeApi:
        raise errors.ClusterUnreachable("the API server is down")

    [done] = remove_leftovers([leftover(labelled("web", "run-1"))], no_cluster)
    assert (done.outcome, done.ok) == (FAILED, False)
    assert done.detail == "delete leftover ConfigMap shop/web (run run-1): the API server is down"


def lease(name: str, run: str, *, renewed: str, duration: int = 60) -> dict[str, Any]:
    """An old heartbeat Lease last renewed at `renewed` (NOW is 2027-01-15T08:00:00Z)."""
    obj = labelled(name, run, age=7200)
    obj.update(
        apiVersion="coordination.k8s.io/v1",
        kind="Lease",
        spec={"renewTime": renewed, "leaseDurationSeconds": duration},
    )
    return obj


def test_a_renewed_lease_of_a_run_alive_elsewhere_is_kept_a_lapsed_one_is_a_leftover() -> None:
    api = FakeApi(
        [
            lease("renewed-elsewhere", "run-elsewhere", renewed="2027-01-15T07:59:30.000000Z"),
            lease("lapsed-elsewhere", "run-elsewhere", renewed="2027-01-15T07:58:00.000000Z"),
            lease("renewed-but-dead-here", "run-dead", renewed="2027-01-15T07:59:59.500000Z"),
        ]
    )
    found = find_leftovers(
        api,  # type: ignore[arg-type]
        live=set(),
        dead={"run-dead"},
        min_age=3600,
        now=NOW,
        unlisted=[],
    )
    assert [item.ref.name for item in found] == ["lapsed-elsewhere", "renewed-but-dead-here"]
