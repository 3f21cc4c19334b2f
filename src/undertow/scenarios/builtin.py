"""The built-in scenario types, registered in this one place.

Each line maps a scenario type (Krkn's config key) to `"module:attribute"`, the plugin
object. Modules are imported only when their type is used, so listing or validating one
scenario type never imports the others (nor their cloud SDKs).
"""

from __future__ import annotations

BUILTIN_SCENARIOS: dict[str, str] = {
    "pod_disruption_scenarios": "undertow.scenarios.pod_disruption:plugin",
    "application_outages_scenarios": "undertow.scenarios.application_outage:plugin",
    "node_scenarios": "undertow.scenarios.node_actions:plugin",
    "zone_outages_scenarios": "undertow.scenarios.zone_outage:plugin",
    "service_disruption_scenarios": "undertow.scenarios.service_disruption:plugin",
    "service_hijacking_scenarios": "undertow.scenarios.service_hijacking:plugin",
    "container_scenarios": "undertow.scenarios.containers:plugin",
    "hog_scenarios": "undertow.scenarios.hogs:plugin",
    "pvc_scenarios": "undertow.scenarios.pvc:plugin",
    "time_scenarios": "undertow.scenarios.time_skew:plugin",
    "storage_throttle_scenarios": "undertow.scenarios.storage_throttle:plugin",
    "syn_flood_scenarios": "undertow.scenarios.syn_flood:plugin",
    "http_load_scenarios": "undertow.scenarios.http_load:plugin",
    "network_chaos_ng_scenarios": "undertow.scenarios.network:plugin",
    "network_chaos_scenarios": "undertow.scenarios.network.legacy:network_chaos_plugin",
    "pod_network_scenarios": "undertow.scenarios.network.legacy:pod_network_plugin",
}
