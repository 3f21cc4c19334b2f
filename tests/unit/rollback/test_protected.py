"""Protected namespaces: which they are, what the config can allow, what is refused."""

from __future__ import annotations

import pytest

from undertow.errors import ScenarioError
from undertow.kube import ObjectRef
from undertow.rollback.protected import protected_namespaces, refuse_protected


def test_the_cluster_and_undertow_namespaces_are_protected_unless_allowed() -> None:
    assert protected_namespaces("undertow", ()) == {
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "undertow",
    }
    assert protected_namespaces("chaos", ["kube-public", "chaos"]) == {
        "kube-system",
        "kube-node-lease",
    }


@pytest.mark.parametrize(
    "ref",
    [
        ObjectRef("v1", "Pod", "coredns-1", "kube-system"),
        ObjectRef("v1", "Namespace", "kube-system"),
        ObjectRef("v1", "ConfigMap", "undertow-journal-x", "undertow"),
    ],
)
def test_an_object_in_or_of_a_protected_namespace_is_refused(ref: ObjectRef) -> None:
    with pytest.raises(ScenarioError, match=r"refused: .* allow_protected_namespaces"):
        refuse_protected(ref, protected_namespaces("undertow", ()))


@pytest.mark.parametrize(
    "ref",
    [
        ObjectRef("v1", "Pod", "web-1", "shop"),
        ObjectRef("v1", "Node", "worker-1"),
        ObjectRef("v1", "Namespace", "shop"),
    ],
)
def test_anything_else_is_a_target(ref: ObjectRef) -> None:
    refuse_protected(ref, protected_namespaces("undertow", ()))
