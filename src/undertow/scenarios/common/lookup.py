"""Reading targets from the cluster with server-side selection and pagination.

Objects are reduced to the fields the scenarios use (`slim_pod`), so listing 10,000 pods
keeps memory small. Regexes use `re.match`, as Krkn does.
"""

from __future__ import annotations

import contextlib
import gc
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from undertow.scenarios.common.selectors import parse_selector
from undertow.scenarios.common.status import Obj, name_of
from undertow.scenarios.common.targets import filter_pods

if TYPE_CHECKING:
    from undertow.kube import KubeApi

T = TypeVar("T")

_POD_META = ("name", "namespace", "uid", "labels", "ownerReferences", "deletionTimestamp")
_LITERAL = re.compile(r"^\^?([a-z0-9]([-a-z0-9]*[a-z0-9])?)\$$")


def slim_pod(pod: Obj) -> dict[str, Any]:
    """The parts of a pod that selection, deletion and recovery checks read."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {key: meta[key] for key in _POD_META if key in meta},
        "spec": {"nodeName": (pod.get("spec") or {}).get("nodeName")},
        "status": {
            "phase": status.get("phase"),
            "conditions": [
                {"type": c.get("type"), "status": c.get("status")}
                for c in status.get("conditions") or []
                if c.get("type") == "Ready"
            ],
        },
    }


def namespaces_matching(api: KubeApi, pattern: str, label_selector: str = "") -> list[str]:
    """Namespace names matched by `pattern` (and the label selector, if any), sorted."""
    regex = re.compile(pattern) if pattern else None
    listed = api.iter("v1", "Namespace", label_selector=label_selector or None)
    found = (name_of(ns) for ns in listed)
    return sorted(name for name in found if regex is None or regex.match(name))


def _listed_pods(
    api: KubeApi, namespace_pattern: str, label_selector: str
) -> Iterator[dict[str, Any]]:
    """Whole pods that may match, listed with as little data transfer as the pattern allows."""
    selector = label_selector or None
    literal = _LITERAL.match(namespace_pattern)
    if literal and namespace_pattern.startswith("^"):
        namespaces = [literal.group(1)]
    else:
        namespaces = namespaces_matching(api, namespace_pattern)
    if len(namespaces) <= 3:
        for namespace in namespaces:
            yield from api.iter("v1", "Pod", namespace, selector)
    else:
        yield from api.iter("v1", "Pod", None, selector)


def _node_scope(
    api: KubeApi, node_label_selector: str, node_names: list[str] | None
) -> set[str] | None:
    """The nodes the pods must be bound to (None: any node)."""
    nodes: set[str] | None = set(node_names) if node_names else None
    if node_label_selector:
        labelled = {name_of(n) for n in api.iter("v1", "Node", label_selector=node_label_selector)}
        nodes = labelled if nodes is None else nodes & labelled
    return nodes


@contextlib.contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while listing pods.

    Decoding 10,000 pods allocates millions of dicts and lists, which triggers collection
    after collection (about half of a 2 s selection); parsed JSON holds no reference cycles,
    so reference counting frees all of it anyway. Collection resumes (if it was on) after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class PodQuery:
    """Which pods a pod-disruption entry targets, in Krkn's terms."""

    namespace_pattern: str
    label_selector: str = ""
    name_pattern: str = ""
    exclude_label: str = ""
    node_label_selector: str = ""
    node_names: tuple[str, ...] = ()


def _matching(api: KubeApi, query: PodQuery) -> Iterator[tuple[Obj, Obj]]:
    """(slim, whole) for each targeted pod (not terminating), in the API's order."""
    exclude = parse_selector(query.exclude_label) if query.exclude_label else None
    nodes = _node_scope(api, query.node_label_selector, list(query.node_names))
    for pod in _listed_pods(api, query.namespace_pattern, query.label_selector):
        slim = slim_pod(pod)
        kept = filter_pods(
            [slim],
            namespace_pattern=query.namespace_pattern,
            name_pattern=query.name_pattern,
            exclude=exclude,
            node_names=nodes,
        )
        if kept:
            yield slim, pod


def find_pods(api: KubeApi, query: PodQuery) -> list[Obj]:
    """The pods `query` targets (not terminating, slim), in the API's order."""
    with _cycle_collection_paused():
        return [slim for slim, _ in _matching(api, query)]


@dataclass(frozen=True)
class PodSample:
    """The pods an entry targets (`matching`, slim, in the API's order) and `chosen`: up to
    `count` of them picked at random, as whole objects as listed (for a snapshot)."""

    matching: list[Obj]
    chosen: list[Obj]


def sample_pods(api: KubeApi, query: PodQuery, count: int, rng: random.Random) -> PodSample:
    """`find_pods` and a uniform random choice of `count` of its pods, in one listing.

    The choice is made while the pages stream in (reservoir sampling), so only the chosen
    pods are kept whole: memory is bounded by `count`, not by the number of pods, and the
    caller needs no second read to snapshot them. Every pod passes the very same rules as
    in `find_pods`.
    """
    matching: list[Obj] = []
    chosen: Reservoir[Obj] = Reservoir(count, rng)
    with _cycle_collection_paused():
        for slim, pod in _matching(api, query):
            matching.append(slim)
            chosen.offer(pod)
    return PodSample(matching, chosen.items())


class Reservoir(Generic[T]):
    """A uniform random choice of `size` items from a stream of unknown length, keeping only
    `size` items at a time (reservoir sampling, Algorithm R)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self._size = size
        self._rng = rng
        self._seen = 0
        self._kept: list[T] = []

    def offer(self, item: T) -> None:
        self._seen += 1
        if len(self._kept) < self._size:
            self._kept.append(item)
            return
        slot = self._rng.randrange(self._seen)
        if slot < self._size:
            self._kept[slot] = item

    def items(self) -> list[T]:
        """The chosen items, in random order (all of them if fewer were offered)."""
        chosen = list(self._kept)
        self._rng.shuffle(chosen)
        return chosen
