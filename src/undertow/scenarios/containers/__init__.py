"""`container_scenarios`: signal containers' main processes and measure their restart."""

from undertow.scenarios.containers.plugin import ContainerKillPlugin, plugin
from undertow.scenarios.containers.spec import ContainerKill, ContainerScenariosSpec

__all__ = ["ContainerKill", "ContainerKillPlugin", "ContainerScenariosSpec", "plugin"]
