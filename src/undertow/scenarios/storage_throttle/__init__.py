"""`storage_throttle_scenarios`: IO limits on a PVC's container cgroup, then restored."""

from undertow.scenarios.storage_throttle.plugin import StorageThrottlePlugin, plugin
from undertow.scenarios.storage_throttle.spec import StorageThrottle, StorageThrottleSpec

__all__ = ["StorageThrottle", "StorageThrottlePlugin", "StorageThrottleSpec", "plugin"]
