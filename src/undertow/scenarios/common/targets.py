"""Choosing targets: namespaces by regex, pods by selector/name pattern, nodes by name/label.

Pure functions over lists of API objects, so the selection rules are tested without a
cluster. Regexes use `re.match` (anchored at the start only), as Krkn does, so Krkn files
keep selecting the same objects.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from undertow.scenarios.common.selectors import Selector
from undertow.scenarios.common.status import (
    Obj,
    is_terminating,
    labels_of,
    name_of,
    namespace_of,
)

T = TypeVar("T")


def split_names(text: str) -> list[str]:
    """`"a, b,,c"` → `["a", "b", "c"]` (Krkn's comma-separated `node_name`)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def filter_pods(
    pods: Iterable[Obj],
    *,
    namespace_pattern: str = "",
    name_pattern: str = "",
    exclude: Selector | None = None,
    node_names: set[str] | None = None,
) -> list[Obj]:
    """Pods that are candidates for disruption.

    Pods already being deleted are never candidates. `exclude` removes pods whose labels
    match it (Krkn's `exclude_label`); `node_names` keeps only pods bound to those nodes.
    """
    ns_re = re.compile(namespace_pattern) if namespace_pattern else None
    name_re = re.compile(name_pattern) if name_pattern else None
    chosen: list[Obj] = []
    for pod in pods:
        if is_terminating(pod):
            continue
        if ns_re is not None and not ns_re.match(namespace_of(pod)):
            continue
        if name_re is not None and not name_re.match(name_of(pod)):
            continue
        if exclude is not None and not exclude.empty and exclude.matches(labels_of(pod)):
            continue
        if node_names is not None and (pod.get("spec") or {}).get("nodeName") not in node_names:
            continue
        chosen.append(pod)
    return chosen


def filter_nodes(
    nodes: Iterable[Obj],
    *,
    names: Sequence[str] = (),
    selector: Selector | None = None,
    exclude: Selector | None = None,
) -> list[Obj]:
    """Nodes named in `names` (if any), else those matching `selector`, minus `exclude`."""
    wanted = set(names)
    chosen: list[Obj] = []
    for node in nodes:
        labels = labels_of(node)
        if wanted and name_of(node) not in wanted:
            continue
        if not wanted and selector is not None and not selector.matches(labels):
            continue
        if exclude is not None and not exclude.empty and exclude.matches(labels):
            continue
        chosen.append(node)
    return chosen


def pick(items: Sequence[T], count: int, rng: random.Random) -> list[T]:
    """`count` distinct items chosen at random (all of them if fewer are available)."""
    if count >= len(items):
        return list(items)
    return rng.sample(list(items), count)


def pod_key(pod: Obj) -> str:
    return f"{namespace_of(pod)}/{name_of(pod)}"
