"""A scenario reports its selection (`RunContext.selected`, a `targets.selected` event)
before any change, and that is where it is checked: more targets than `max_targets`, or one
in a protected namespace, is refused."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from undertow.clock import CancelToken, SystemClock
from undertow.errors import ScenarioError
from undertow.events import EventLog
from undertow.scenarios.base import RunContext
from undertow.scenarios.blast_radius import BlastRadius, Selection


def _ctx(max_targets: int | None, protected: frozenset[str] = frozenset()) -> RunContext:
    kube: Any = SimpleNamespace(protected=protected)  # only its protected set is read
    events = EventLog()
    return RunContext(
        scenario_type="pod_disruption_scenarios",
        scenario_file="s.yaml",
        kube=kube,
        clock=SystemClock(),
        cancel=CancelToken(),
        events=events,
        log=logging.getLogger("test"),
        max_targets=max_targets,
    )


def test_a_selection_within_the_cap_is_emitted() -> None:
    ctx = _ctx(2)
    ctx.selected("2 pods", field="[0].config", entry=0, pods=["shop/a", "shop/b"])
    assert isinstance(ctx.events, EventLog)
    assert [e.kind for e in ctx.events.events] == ["targets.selected"]


def test_a_selection_over_the_cap_is_refused() -> None:
    with pytest.raises(
        ScenarioError,
        match=r"^refused: s\.yaml at node_scenarios\[0\]: 3 targets selected, more than "
        r"max_targets 2 \(3 nodes\); none of it was changed$",
    ):
        _ctx(2).selected("3 nodes", field="node_scenarios[0]", nodes=["a", "b", "c"])


@pytest.mark.parametrize(
    "data",
    [
        {"pods": ["shop/a", "kube-system/coredns"]},
        {"namespaces": ["shop", "kube-system"]},
        {"containers": ["kube-system/coredns/coredns"]},
        {"pvcs": ["kube-system/data"]},
        {"services": ["kube-system/dns"]},
        {"pods": [], "within": ["kube-system"]},
        {"pods": ["shop/a"], "within": ["shop", "kube-system"]},
    ],
)
def test_a_selection_reaching_a_protected_namespace_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(
        ScenarioError,
        match=r"^refused: s\.yaml at x: the selection \(chosen\) reaches the "
        r"protected namespace kube-system",
    ):
        _ctx(None, frozenset({"kube-system"})).selected("chosen", field="x", **data)


def test_the_namespaces_drawn_from_and_scalars_are_not_counted_as_targets() -> None:
    chosen = Selection.of({"entry": 3, "pods": ["shop/a"]}, within=["shop", "cart"])
    assert chosen == Selection(1, frozenset({"shop", "cart"}))


def test_the_limits_allow_what_is_within_them() -> None:
    limits = BlastRadius(2, frozenset({"kube-system"}))
    assert limits.refusal("two", count=2, namespaces=["shop"]) is None
    assert BlastRadius().refusal("any", count=10_000, namespaces=["kube-system"]) is None
