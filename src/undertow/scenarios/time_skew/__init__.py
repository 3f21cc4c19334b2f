"""`time_scenarios`: move nodes' clocks for a while, from a privileged pod on each."""

from undertow.scenarios.time_skew.plugin import TimeSkewPlugin, plugin
from undertow.scenarios.time_skew.spec import TimeScenariosSpec, TimeSkew

__all__ = ["TimeScenariosSpec", "TimeSkew", "TimeSkewPlugin", "plugin"]
