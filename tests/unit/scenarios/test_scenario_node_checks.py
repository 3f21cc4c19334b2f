"""What node and zone entries can run here, decided before any cluster change."""

from __future__ import annotations

import pytest

from undertow.errors import ScenarioError
from undertow.scenarios import providers
from undertow.scenarios.node_actions import NodeScenario, NodeScenariosSpec, check_runnable
from undertow.scenarios.zone_outage import ZoneOutageSpec
from undertow.scenarios.zone_outage import check_runnable as zone_runnable


def entry(**fields: object) -> NodeScenario:
    return NodeScenariosSpec.model_validate({"node_scenarios": [fields]}).node_scenarios[0]


def test_cluster_api_and_kubelet_actions_need_no_provider() -> None:
    check_runnable(entry(actions=["node_cordon", "node_drain"], cloud_type="generic"))
    check_runnable(entry(actions=["stop_start_kubelet", "restart_kubelet"], cloud_type="generic"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"actions": ["node_block", "stop_start_helper_node"]},
            "node_block_scenario: not supported .* stop_start_helper_node_scenario: not "
            "supported by undertow .needs OpenShift's bastion",
        ),
        (
            {"actions": ["node_disk_detach_attach"], "cloud_type": "local"},
            "node_disk_detach_attach needs a cloud provider's disk API .aws, azure, gcp.; "
            "cloud_type 'local' has none",
        ),
        (
            {"actions": ["node_disk_detach_attach"], "cloud_type": "openstack"},
            "cloud_type 'openstack' has none",
        ),
        (
            {"actions": ["node_stop_start"], "cloud_type": "generic"},
            "'generic' has no node provider",
        ),
        ({"actions": ["node_reboot"], "cloud_type": "docker"}, "'docker' has no node provider"),
        ({"actions": ["node_termination"], "cloud_type": "local"}, "needs a cloud provider"),
        ({"actions": ["node_termination"], "cloud_type": "bm"}, "not possible on bare metal"),
    ],
)
def test_entries_that_cannot_run_here_say_why(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        check_runnable(entry(**fields))


def test_a_cloud_provider_without_its_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        providers.NEEDS, "gcp", ("no_such_sdk.compute", "pip install 'undertow[gcp]'")
    )
    with pytest.raises(
        ScenarioError, match=r"needs no_such_sdk.compute \(pip install 'undertow\[gcp\]'\)"
    ):
        check_runnable(entry(actions=["node_stop_start"], cloud_type="gcp"))
    zone = ZoneOutageSpec.model_validate({"zone_outage": {"cloud_type": "gcp", "zone": "z"}})
    with pytest.raises(ScenarioError, match="no_such_sdk"):
        zone_runnable(zone.zone_outage)
    assert providers.missing_sdk("local") is None


def test_azure_zone_outage_is_refused_clearly() -> None:
    spec = ZoneOutageSpec.model_validate(
        {
            "zone_outage": {
                "cloud_type": "azure",
                "resource_group": "rg",
                "vnet_name": "v",
                "subnet_name": "s",
            }
        }
    )
    with pytest.raises(ScenarioError, match=r"azure .* not implemented"):
        zone_runnable(spec.zone_outage)


def test_every_action_undertow_refuses_says_why() -> None:
    from undertow.scenarios.node_actions import spec as node_spec
    from undertow.scenarios.node_actions.plugin import UNSUPPORTED

    runnable = node_spec.PROVIDER_ACTIONS | node_spec.API_ACTIONS | node_spec.HELPER_ACTIONS
    refused = set(node_spec.KNOWN_ACTIONS) - runnable
    assert refused == set(UNSUPPORTED)
