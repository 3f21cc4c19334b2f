"""The blast radius of one selection: no more than `max_targets` targets, none of them in a
protected namespace.

One check serves the run (`RunContext.selected`: ScenarioError before any change) and the
dry run (`PlanContext.refusals`: a `refused:` plan line), so the plan refuses what the run
would. A selection is given as lists of target names by kind: namespaced kinds (`pods`,
`containers`, `pvcs`, `services`) as `namespace/name…`, `namespaces` as names, anything else
(`nodes`) as cluster-wide names; `within`, not counted, are the namespaces it was drawn
from (every namespace a pattern matched, so a draw at random is refused whichever targets
it picks, and the plan can say so; an outage's namespace, also when it holds no pod).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NAMESPACED = ("pods", "containers", "pvcs", "services")
"""Selection kinds whose targets are written `namespace/name…`."""


@dataclass(frozen=True)
class Selection:
    """How many targets a selection holds and which namespaces it reaches."""

    count: int
    namespaces: frozenset[str]

    @classmethod
    def of(cls, data: Mapping[str, Any], within: Iterable[str] = ()) -> Selection:
        """Every list in `data` holds targets; `entry=n` and other scalars are not counted."""
        count = sum(len(value) for value in data.values() if isinstance(value, list))
        namespaces = {str(t).partition("/")[0] for kind in NAMESPACED for t in data.get(kind) or []}
        namespaces |= {str(t) for t in data.get("namespaces") or []}
        return cls(count, frozenset(namespaces | set(within)))


@dataclass(frozen=True)
class BlastRadius:
    """The limits of one run: `max_targets` (None: no cap) and the protected namespaces."""

    max_targets: int | None = None
    protected: frozenset[str] = frozenset()

    def refusal(self, what: str, *, count: int, namespaces: Iterable[str]) -> str | None:
        """Why the selection `what` (`count` targets reaching `namespaces`) is refused;
        None when it is within the limits."""
        if self.max_targets is not None and count > self.max_targets:
            return f"{count} targets selected, more than max_targets {self.max_targets} ({what})"
        reached = sorted(set(namespaces) & self.protected)
        if reached:
            return (
                f"the selection ({what}) reaches the protected namespace {reached[0]} (the "
                "cluster's own and undertow's are never targets unless the config lists them "
                "in allow_protected_namespaces)"
            )
        return None

    def refusal_of(
        self, what: str, data: Mapping[str, Any], within: Iterable[str] = ()
    ) -> str | None:
        """`refusal` of a selection given as lists of targets by kind, drawn from `within`."""
        chosen = Selection.of(data, within)
        return self.refusal(what, count=chosen.count, namespaces=chosen.namespaces)
