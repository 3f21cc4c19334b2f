"""`syn_flood_scenarios`: hping3 SYN floods from generator pods against a Service's port."""

from undertow.scenarios.syn_flood.plugin import SynFloodPlugin, plugin
from undertow.scenarios.syn_flood.spec import SynFloodSpec

__all__ = ["SynFloodPlugin", "SynFloodSpec", "plugin"]
