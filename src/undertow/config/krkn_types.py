"""Scenario type names Krkn knows, and its older spellings of some of them."""

from __future__ import annotations

KRKN_SCENARIO_TYPES = frozenset(
    {
        "application_outages_scenarios",
        "arcaflow_scenarios",
        "cluster_shut_down_scenarios",
        "container_scenarios",
        "hog_scenarios",
        "http_load_scenarios",
        "ingress_node_scenarios",
        "kubevirt_vm_outage",
        "litmus_scenarios",
        "managedcluster_scenarios",
        "network_chaos_ng_scenarios",
        "network_chaos_scenarios",
        "node_scenarios",
        "plugin_scenarios",
        "pod_disruption_scenarios",
        "pod_network_scenarios",
        "pod_scenarios",
        "pvc_scenarios",
        "service_disruption_scenarios",
        "service_hijacking_scenarios",
        "storage_throttle_scenarios",
        "syn_flood_scenarios",
        "time_scenarios",
        "vm_storage_chaos_scenarios",
        "zone_outages_scenarios",
    }
)

KRKN_TYPE_ALIASES = {
    "application_outages": "application_outages_scenarios",
    "zone_outages": "zone_outages_scenarios",
    "network_chaos": "network_chaos_scenarios",
}
"""Older Krkn config keys and the scenario type they name today."""


def canonical_type(name: str) -> str:
    return KRKN_TYPE_ALIASES.get(name, name)
