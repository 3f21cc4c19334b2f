"""`pvc_scenarios`: fill a PersistentVolumeClaim to a percentage from inside a pod."""

from undertow.scenarios.pvc.plugin import PvcFillPlugin, plugin
from undertow.scenarios.pvc.spec import PvcFill, PvcScenarioSpec

__all__ = ["PvcFill", "PvcFillPlugin", "PvcScenarioSpec", "plugin"]
