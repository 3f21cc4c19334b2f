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
    ctx.selected("2 pods", pods=["shop/a", "shop/b"])
    assert isinstance(ctx.events, EventLog)
    assert [e.kind for e in ctx.events.events] == ["targets.selected"]


def test_a_selection_over_the_cap_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"3 targets selected, more than max_targets 2"):
        _ctx(2).selected("3 nodes", nodes=["a", "b", "c"])


@pytest.mark.parametrize(
    "data",
    [{"pods": ["shop/a", "kube-system/coredns"]}, {"namespaces": ["shop", "kube-system"]}],
)
def test_a_selection_reaching_a_protected_namespace_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ScenarioError, match=r"reaches the protected namespace kube-system"):
        _ctx(None, frozenset({"kube-system"})).selected("chosen", **data)
