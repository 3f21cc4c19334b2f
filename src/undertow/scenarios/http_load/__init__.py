"""`http_load_scenarios`: vegeta HTTP load from generator pods against a list of endpoints."""

from undertow.scenarios.http_load.plugin import HttpLoadPlugin, plugin
from undertow.scenarios.http_load.spec import HttpLoadSpec

__all__ = ["HttpLoadPlugin", "HttpLoadSpec", "plugin"]
