"""Image substitution and placement of the pods undertow creates (pure data)."""

from __future__ import annotations

import pytest

from undertow.config.helper_pods import HelperPods, repository


@pytest.mark.parametrize(
    ("ref", "repo"),
    [
        ("python:3.12-alpine", "python"),
        ("quay.io/krkn-chaos/krkn-hog:latest", "quay.io/krkn-chaos/krkn-hog"),
        ("localhost:5000/img", "localhost:5000/img"),
        ("localhost:5000/img:v1@sha256:abc", "localhost:5000/img"),
        ("busybox", "busybox"),
    ],
)
def test_repository_drops_tag_and_digest_but_keeps_a_registry_port(ref: str, repo: str) -> None:
    assert repository(ref) == repo


def test_an_exact_reference_wins_over_its_repository() -> None:
    helpers = HelperPods(images={"python": "a", "python:3.12-alpine": "b"})
    assert helpers.image("python:3.12-alpine") == "b"
    assert helpers.image("python:3.13") == "a"
    assert helpers.image("quay.io/other:1") == "quay.io/other:1"


def test_config_images_override_the_cluster_defaults() -> None:
    cluster = HelperPods(images={"python": "cluster/python", "hog": "cluster/tools"})
    merged = cluster.with_images({"python": "mine/python"})
    assert merged.image("python:3") == "mine/python"
    assert merged.image("hog") == "cluster/tools"


def test_placement_adds_to_what_the_pod_already_says() -> None:
    helpers = HelperPods(
        node_selector={"role": "real", "zone": "a"},
        tolerations=({"key": "real", "operator": "Exists"},),
    )
    pod = {"spec": {"nodeSelector": {"zone": "b"}, "tolerations": [{"operator": "Exists"}]}}
    placed = helpers.place(pod)["spec"]
    assert placed["nodeSelector"] == {"role": "real", "zone": "b"}
    assert placed["tolerations"] == [{"operator": "Exists"}, {"key": "real", "operator": "Exists"}]
    assert HelperPods().place({"spec": {}}) == {"spec": {}}


def test_config_map_data_round_trips_and_rejects_other_shapes() -> None:
    helpers = HelperPods(
        images={"python": "x"},
        node_selector={"a": "b"},
        tolerations=({"key": "k", "operator": "Exists"},),
    )
    assert HelperPods.from_config_map_data(helpers.config_map_data()) == helpers
    assert HelperPods.from_config_map_data({}) == HelperPods()
    with pytest.raises(ValueError, match="map strings to strings"):
        HelperPods.from_config_map_data({"images": '{"python": 3}'})
    with pytest.raises(ValueError):
        HelperPods.from_config_map_data({"tolerations": "not json"})
