"""Krkn's two forms of a shaping step: `{id, config}` (its native pod_network plugin) and flat
(its newer network_chaos_ng files, tests/data/krkn/network_chaos_ng). Both are read as they
are and run the same modules, in both scenario types; one entry mixing them is refused."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from test_network_legacy import krkn_file

from undertow.scenarios.network.legacy import pod_modules
from undertow.scenarios.network.legacy_spec import FLAT_TO_CONFIG, PodNetworkSpec
from undertow.scenarios.network.plugin import modules_of
from undertow.scenarios.network.spec import ChaosModule, NetworkChaosNgSpec

FLAT_FILES = ["network_chaos_ng/pod-egress-shaping.yml", "network_chaos_ng/pod-ingress-shaping.yml"]


def config_form(flat: dict[str, Any]) -> dict[str, Any]:
    """The same step written `{id, config}`: every flat field moved where that form has it."""
    config: dict[str, Any] = {}
    for name, value in flat.items():
        if name == "id":
            continue
        *parents, last = FLAT_TO_CONFIG[name]
        place = config
        for parent in parents:
            place = place.setdefault(parent, {})
        place[last] = value
    return {"id": flat["id"], "config": config}


@pytest.mark.parametrize("path", FLAT_FILES)
def test_krkns_flat_file_runs_the_same_modules_in_either_form_and_type(path: str) -> None:
    [flat] = krkn_file(path)
    as_ng = [module for module, _ in modules_of(NetworkChaosNgSpec.model_validate([flat]))]
    as_pod_network = pod_modules(PodNetworkSpec.model_validate([flat]))
    as_config_form = pod_modules(PodNetworkSpec.model_validate([config_form(flat)]))
    assert as_ng == as_pod_network == as_config_form
    [module] = as_ng
    assert isinstance(module, ChaosModule)
    egress = flat["id"] == "pod_egress_shaping"
    assert (module.kind, module.egress, module.ingress) == ("pod_network_chaos", egress, not egress)
    assert (module.latency, module.loss, module.bandwidth) == ("50ms", 0.02, "100mbit")
    assert (module.image, module.namespace, module.label_selector) == (
        "docker.io/fedora/tools",
        "shop",
        "app=web",
    )
    assert (module.wait_duration, module.test_duration, module.execution) == (10, 10, "parallel")


def test_the_flat_form_has_the_config_forms_defaults() -> None:
    flat = {"id": "pod_ingress_shaping", "namespace": "shop", "target": "web-0", "loss": 5}
    [from_flat] = pod_modules(PodNetworkSpec.model_validate([flat]))
    [from_config] = pod_modules(PodNetworkSpec.model_validate([config_form(flat)]))
    assert from_flat == from_config
    assert (from_flat.image, from_flat.wait_duration, from_flat.test_duration) == (
        "quay.io/krkn-chaos/krkn:tools",
        300,
        120,
    )
    assert (from_flat.target, from_flat.label_selector) == ("web-0", "")


@pytest.mark.parametrize("form", ["flat", "config"])
def test_serial_network_shaping_runs_one_module_per_parameter(form: str) -> None:
    flat = {
        "id": "pod_egress_shaping",
        "namespace": "shop",
        "label_selector": "app=web",
        "latency": "50ms",
        "loss": "0.02",
        "bandwidth": "100mbit",
        "network_shaping_execution": "serial",
    }
    step = flat if form == "flat" else config_form(flat)
    modules = pod_modules(PodNetworkSpec.model_validate([step]))
    assert [(m.latency, m.loss, m.bandwidth) for m in modules if isinstance(m, ChaosModule)] == [
        ("50ms", None, None),
        (None, 0.02, None),
        (None, None, "100mbit"),
    ]


def _messages(model: Any, document: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(document)
    return [str(e["ctx"]["error"]) if "ctx" in e else e["msg"] for e in caught.value.errors()]


def test_a_step_writing_a_field_in_both_forms_names_both() -> None:
    step = {
        "id": "pod_egress_shaping",
        "latency": "10ms",
        "config": {"namespace": "s", "pod_name": "p", "network_params": {"latency": "50ms"}},
    }
    [message] = _messages(PodNetworkSpec, [step])
    assert "latency and config.network_params.latency" in message
    step = {"id": "pod_egress_shaping", "target": "p", "config": {"namespace": "s"}}
    [message] = _messages(PodNetworkSpec, [step])
    assert "target (as config.pod_name)" in message and "write the step in one form" in message


def test_a_network_chaos_ng_shaping_module_is_written_flat() -> None:
    step = {"id": "pod_egress_shaping", "config": {"namespace": "s", "pod_name": "p"}}
    [message] = _messages(NetworkChaosNgSpec, [step])
    assert "network_chaos_ng modules are written flat" in message
