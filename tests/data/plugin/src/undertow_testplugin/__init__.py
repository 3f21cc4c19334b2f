"""`sleep_scenarios`: a third-party plugin used by undertow's tests.

It waits `duration` seconds and ends as told by `outcome`. With `configmap_namespace` it
first creates a ConfigMap through the journaled client, so a failed run proves that the
runner's rollback removes it (and a passed run proves the normal clean-up does). With
`label_configmap` it also labels that existing ConfigMap (`undertow-test=chaos`), a field
change whose undo meets a conflict when someone changes the label meanwhile. With
`delete_configmap` it deletes an existing ConfigMap with restore: its undo recreates it.
"""

from __future__ import annotations

from typing import Literal

from undertow.kube import ObjectRef
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult
from undertow.scenarios.common.fields import LabelSelector, PositiveCount, Regex, Seconds, SpecModel


class SleepConfig(SpecModel):
    duration: Seconds = 0.0
    """How long the scenario sleeps."""
    outcome: Literal["pass", "fail", "raise", "exit", "interrupt"] = "pass"
    """How it ends: pass, fail, raise an error, exit the process, or interrupt the run."""
    name_pattern: Regex = ""
    """A regex, only validated (for the tests of bad input)."""
    label_selector: LabelSelector = ""
    """A label selector, only validated (for the tests of bad input)."""
    count: PositiveCount = 1
    """How many ConfigMaps it creates (through the journal)."""
    configmap_namespace: str = ""
    """Where it creates them; empty: it creates none."""
    create_configmap: bool = True
    """False: create no ConfigMap of its own (only label or delete existing ones)."""
    label_configmap: str = ""
    """A ConfigMap (in configmap_namespace) the scenario labels through the journal; empty: none."""
    delete_configmap: str = ""
    """A ConfigMap (in configmap_namespace) the scenario deletes with restore; empty: none."""


class SleepSpec(SpecModel):
    sleep: SleepConfig
    """How long to sleep and how to end."""


class SleepPlugin:
    scenario_type = "sleep_scenarios"
    summary = "Wait, then pass or fail as told (test plugin)."
    spec_model = SleepSpec

    def plan(self, ctx: PlanContext, spec: SleepSpec) -> list[str]:
        return [f"sleep {spec.sleep.duration:g}s, then {spec.sleep.outcome}"]

    def run(self, ctx: RunContext, spec: SleepSpec) -> ScenarioResult:
        config = spec.sleep
        created = None
        if config.configmap_namespace and config.create_configmap:
            created = ctx.kube.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"generateName": "sleep-", "namespace": config.configmap_namespace},
                    "data": {"scenario": ctx.scenario_file},
                }
            )
        labelled = None
        if config.label_configmap:
            ref = ObjectRef("v1", "ConfigMap", config.label_configmap, config.configmap_namespace)
            labelled = ctx.kube.set_label(ref, "undertow-test", "chaos")
        deleted = None
        if config.delete_configmap:
            ref = ObjectRef("v1", "ConfigMap", config.delete_configmap, config.configmap_namespace)
            deleted = ctx.kube.delete(ref, restore=True)
        ctx.emit("sleep.started", f"sleeping {config.duration:g}s")
        ctx.clock.sleep(config.duration, ctx.cancel)
        if config.outcome == "raise":
            raise RuntimeError("the test plugin was told to raise")
        if config.outcome == "exit":
            raise SystemExit(7)
        if config.outcome == "interrupt":
            raise KeyboardInterrupt
        if created is not None and config.outcome == "pass":
            ctx.kube.revert(created)
        if labelled is not None and config.outcome == "pass":
            ctx.kube.revert(labelled)
        if deleted is not None and config.outcome == "pass":
            ctx.kube.revert(deleted)
        passed = config.outcome == "pass"
        return ScenarioResult(passed=passed, summary="slept" if passed else "told to fail")


plugin = SleepPlugin()
