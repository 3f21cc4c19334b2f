"""`network_chaos_ng_scenarios`: port filters (nftables), loss, bandwidth, delay (tc and
nftables) and links down, on pods and nodes, from a helper pod in the target's network
namespace."""

from undertow.scenarios.network.plugin import NetworkChaosNgPlugin, plugin
from undertow.scenarios.network.spec import NetworkChaosNgSpec

__all__ = ["NetworkChaosNgPlugin", "NetworkChaosNgSpec", "plugin"]
