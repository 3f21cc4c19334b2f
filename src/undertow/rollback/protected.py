"""Protected namespaces: the cluster's own and undertow's, never a scenario's target unless
the config names them (`allow_protected_namespaces`).

The check sits in `JournaledClient`, which every scenario change goes through, so no scenario
type can forget it: a change to an object in (or of) a protected namespace is refused before
it is journaled or made, and the scenario fails (exit 1), as when its selection matches
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from undertow.errors import ScenarioError
from undertow.kube import ObjectRef

CLUSTER_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
"""The namespaces Kubernetes itself runs from."""


def protected_namespaces(own: str, allowed: Iterable[str]) -> frozenset[str]:
    """The cluster's namespaces and undertow's own (`own`, the heartbeat's), minus `allowed`."""
    return (CLUSTER_NAMESPACES | {own}) - set(allowed)


def refuse_protected(ref: ObjectRef, protected: frozenset[str]) -> None:
    """Raise ScenarioError if `ref` is in a protected namespace or is one."""
    namespace = ref.name if ref.kind == "Namespace" else ref.namespace
    if namespace in protected:
        raise ScenarioError(
            f"refused: {ref.kind} {ref.namespace or ''}/{ref.name} is in the protected "
            f"namespace {namespace} (the cluster's own and undertow's are never targets "
            "unless the config lists them in allow_protected_namespaces); nothing was changed"
        )
