"""`hog_scenarios`: CPU, memory or IO stress from a stress-ng pod on each chosen node."""

from undertow.scenarios.hogs.plugin import HogPlugin, plugin
from undertow.scenarios.hogs.spec import HogSpec

__all__ = ["HogPlugin", "HogSpec", "plugin"]
