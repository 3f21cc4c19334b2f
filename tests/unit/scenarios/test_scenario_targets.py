import random

from undertow.scenarios.common.selectors import parse_selector
from undertow.scenarios.common.targets import (
    filter_nodes,
    filter_pods,
    pick,
    split_names,
)


def pod(
    ns: str,
    name: str,
    labels: dict[str, str] | None = None,
    node: str = "n1",
    deleting: bool = False,
) -> dict:
    meta: dict = {"namespace": ns, "name": name, "labels": labels or {}, "uid": f"{ns}-{name}"}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"metadata": meta, "spec": {"nodeName": node}}


def node(name: str, labels: dict[str, str] | None = None) -> dict:
    return {"metadata": {"name": name, "labels": labels or {}}}


PODS = [
    pod("default", "nginx-1", {"app": "nginx"}),
    pod("default", "nginx-2", {"app": "nginx", "keep": "yes"}, node="n2"),
    pod("default", "redis-1", {"app": "redis"}),
    pod("default-extra", "nginx-3", {"app": "nginx"}),
    pod("shop", "nginx-4", {"app": "nginx"}),
    pod("default", "nginx-5", {"app": "nginx"}, deleting=True),
]


def names(pods: list[dict]) -> list[str]:
    return [p["metadata"]["name"] for p in pods]


def test_pods_by_namespace_and_name_pattern_skip_terminating_pods() -> None:
    chosen = filter_pods(PODS, namespace_pattern="^default$", name_pattern="^nginx-.*$")
    assert names(chosen) == ["nginx-1", "nginx-2"]


def test_exclude_label_and_node_scoping() -> None:
    chosen = filter_pods(PODS, namespace_pattern="^default", exclude=parse_selector("keep=yes"))
    assert names(chosen) == ["nginx-1", "redis-1", "nginx-3"]
    on_n2 = filter_pods(PODS, namespace_pattern=".*", node_names={"n2"})
    assert names(on_n2) == ["nginx-2"]


def test_nodes_by_name_list_win_over_selector_and_exclusions_apply() -> None:
    nodes = [
        node("a", {"zone": "z1"}),
        node("b", {"zone": "z1", "critical": "true"}),
        node("c", {"zone": "z2"}),
    ]
    assert names(filter_nodes(nodes, selector=parse_selector("zone=z1"))) == ["a", "b"]
    assert names(
        filter_nodes(nodes, selector=parse_selector("zone=z1"), exclude=parse_selector("critical"))
    ) == ["a"]
    assert names(
        filter_nodes(nodes, names=split_names(" c, a ,"), selector=parse_selector("zone=z1"))
    ) == ["a", "c"]


def test_pick_is_random_distinct_and_bounded() -> None:
    items = list(range(10))
    chosen = pick(items, 4, random.Random(1))
    assert len(set(chosen)) == 4 and set(chosen) <= set(items)
    assert pick(items, 4, random.Random(1)) == chosen
    assert pick(items, 20, random.Random(1)) == items
    assert pick(items, 0, random.Random(1)) == []
