"""Load-generator pods (`syn_flood_scenarios`, `http_load_scenarios`): placed by Krkn's
`attacker-nodes`, created through the journal, waited for until they end by themselves, their
logs read, then removed.

A generator is a helper pod (`common.helper_pod`): its command stops after the load's duration
and `activeDeadlineSeconds` stops it anyway. Each pod's version file (create → delete that exact
pod) is on disk before the pod exists, so the normal end, a failure and a rollback after a
crash remove every generator (Krkn leaves its HTTP-load pods behind even on success).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator

from undertow.config.helper_pods import HelperPods
from undertow.errors import NotFound
from undertow.kube import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.rollback.entry import RollbackReport
from undertow.scenarios.base import RunContext
from undertow.scenarios.common.helper_pod import (
    EXPIRY_MARGIN,
    helper_pod,
    pod_phase,
    required_node_affinity,
)
from undertow.scenarios.common.selectors import validate_key, validate_value
from undertow.scenarios.common.status import name_of
from undertow.scenarios.common.waiting import wait_until

START_TIMEOUT = 120.0
"""Seconds the generators may take to start (scheduling, image pull on a real cluster)."""
POLL_SECONDS = 0.5
TERMINAL = ("Succeeded", "Failed")
GENERATOR_LABEL = "undertow.io/load"
LOG_SETTLE = 5.0
"""Seconds an ended pod's empty log is read again before it counts as empty."""


def _check_attacker_nodes(value: dict[str, list[str]]) -> dict[str, list[str]]:
    for key, values in value.items():
        validate_key(key)
        for item in values:
            validate_value(item, key)
    return value


AttackerNodes = Annotated[dict[str, list[str]], AfterValidator(_check_attacker_nodes)]
"""Krkn's `attacker-nodes`: node label → accepted values (`{}`: anywhere)."""


def attacker_affinity(nodes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Node affinity as krkn-lib builds it: one term, each label `In` its listed values."""
    expressions = [
        {"key": key, "operator": "In", "values": list(values)} for key, values in nodes.items()
    ]
    return required_node_affinity({"matchExpressions": expressions})


def generator_pod(
    *,
    name: str,
    namespace: str,
    image: str,
    command: Sequence[str],
    duration: float,
    helpers: HelperPods,
    attacker_nodes: Mapping[str, Sequence[str]],
    kind: str,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A generator pod on the `attacker_nodes` (else where the cluster places helper pods)."""
    pod = helper_pod(
        name=name,
        namespace=namespace,
        image=image,
        command=command,
        duration=duration,
        helpers=helpers,
        labels={GENERATOR_LABEL: kind},
    )
    spec = pod["spec"]
    if attacker_nodes:
        spec["affinity"] = attacker_affinity(attacker_nodes)
    elif helpers.node_selector:
        spec["nodeSelector"] = dict(helpers.node_selector)
    if env:
        spec["containers"][0]["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return pod


@dataclass
class GeneratorRun:
    """How the generators ended: each pod's last phase, the logs of those that ended, and the
    removal's report."""

    phases: dict[str, str] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    removal: RollbackReport = field(default_factory=RollbackReport)

    @property
    def failed(self) -> list[str]:
        """`pod: phase (its log's last line)` for each pod that did not succeed."""
        return [
            f"{pod}: {phase}" + (f" ({self.last_line(pod)})" if self.logs.get(pod) else "")
            for pod, phase in sorted(self.phases.items())
            if phase != "Succeeded"
        ]

    def unreadable(self, parsed: Mapping[str, object | None], what: str) -> list[str]:
        """`pod: no <what> in its log (last line)` for each pod that succeeded but whose log
        `parsed` could not read (None)."""
        return [
            f"{pod}: no {what} in its log ({self.last_line(pod)})"
            for pod, found in parsed.items()
            if found is None and self.phases[pod] == "Succeeded"
        ]

    def last_line(self, pod: str) -> str:
        """The last non-blank line of the pod's log, or `empty log`."""
        lines = [line.strip() for line in self.logs.get(pod, "").splitlines() if line.strip()]
        return lines[-1] if lines else "empty log"


def _log(api: KubeApi, ref: ObjectRef) -> str:
    try:
        return api.pod_log(ref.namespace or "default", ref.name)
    except NotFound:
        return ""


def _final_log(ctx: RunContext, ref: ObjectRef) -> str:
    """The log of a pod that ended; an empty answer is asked again for a few seconds (seen on
    a busy node right after the container exited)."""
    log = ""

    def read() -> bool:
        nonlocal log
        log = _log(ctx.kube.api, ref)
        return bool(log.strip())

    wait_until(read, timeout=LOG_SETTLE, interval=POLL_SECONDS, clock=ctx.clock, cancel=ctx.cancel)
    return log


def run_generators(
    ctx: RunContext, pods: Sequence[Mapping[str, Any]], *, duration: float, kind: str
) -> GeneratorRun:
    """Create `pods` (journaled), wait for them to start and then to end by themselves, read
    the logs of those that ended, and remove every one of them."""
    refs: dict[str, ObjectRef] = {}
    for pod in pods:
        created = ctx.kube.create(pod)
        refs[name_of(created)] = ObjectRef.of(created)
        ctx.emit(f"{kind}.created", f"{kind} pod {name_of(created)} created", pod=name_of(created))
    outcome = GeneratorRun()

    def all_in(wanted: tuple[str, ...]) -> bool:
        for name, ref in refs.items():
            outcome.phases[name] = pod_phase(ctx.kube.api, ref)
        return all(p in wanted or p == "Gone" for p in outcome.phases.values())

    started = wait_until(
        lambda: all_in(("Running", *TERMINAL)),
        timeout=START_TIMEOUT,
        interval=POLL_SECONDS,
        clock=ctx.clock,
        cancel=ctx.cancel,
    )
    if started.done:
        ctx.emit(f"{kind}.running", f"{len(refs)} {kind} pod(s) running", seconds=started.elapsed)
        wait_until(
            lambda: all_in(TERMINAL),
            timeout=duration + EXPIRY_MARGIN,
            interval=POLL_SECONDS,
            clock=ctx.clock,
            cancel=ctx.cancel,
        )
    for name, ref in refs.items():
        if outcome.phases.get(name) in TERMINAL:
            outcome.logs[name] = _final_log(ctx, ref)
    outcome.removal = ctx.kube.revert_each(refs.values())
    ctx.emit(
        f"{kind}.removed",
        f"{len(refs)} {kind} pod(s) deleted",
        complete=outcome.removal.complete,
    )
    return outcome
