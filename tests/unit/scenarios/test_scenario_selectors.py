import pytest

from undertow.scenarios.common.selectors import parse_selector, selector_from_map


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "web"}, True),
        ("app=web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("app!=web", {"app": "web"}, False),
        ("app", {"app": ""}, True),
        ("!canary", {"canary": "x"}, False),
        ("!canary", {"app": "x"}, True),
        ("env in (a, b)", {"env": "b"}, True),
        ("env in (a,b)", {"env": "c"}, False),
        ("env notin (a,b)", {}, True),
        ("env notin (a,b),app=web", {"env": "c", "app": "web"}, True),
        ("env notin (a,b),app=web", {"env": "a", "app": "web"}, False),
        (
            "node-role.kubernetes.io/control-plane=",
            {"node-role.kubernetes.io/control-plane": ""},
            True,
        ),
        ("node-role.kubernetes.io/worker", {"node-role.kubernetes.io/worker": ""}, True),
        ("node-role.kubernetes.io/worker", {}, False),
        ("", {"anything": "x"}, True),
    ],
)
def test_selector_matches_like_the_api_server(
    text: str, labels: dict[str, str], expected: bool
) -> None:
    assert parse_selector(text).matches(labels) is expected


@pytest.mark.parametrize(
    "text",
    [
        "app=we b",
        "app in (a",
        "app)",
        "=web",
        "app=web,",
        "-bad=x",
        "a/b/c=x",
        "app=" + "x" * 64,
        "app >< x",
    ],
)
def test_invalid_selectors_are_rejected_with_the_clause(text: str) -> None:
    with pytest.raises(ValueError, match=r"label|selector|clause"):
        parse_selector(text)


def test_selector_round_trips_to_a_string_the_server_accepts() -> None:
    sel = parse_selector("app = web, env in (a,b),!canary,tier")
    assert str(sel) == "app=web,env in (a,b),!canary,tier"
    assert parse_selector(str(sel)) == sel


def test_match_labels_map_becomes_equality_requirements() -> None:
    sel = selector_from_map({"app": "cart", "tier": "web"})
    assert sel.matches({"app": "cart", "tier": "web", "x": "y"})
    assert not sel.matches({"app": "cart"})
    with pytest.raises(ValueError, match="label value"):
        selector_from_map({"app": "no spaces"})
