"""Run one scenario plugin against the local cluster the way the runner does.

`ScenarioHarness.run` opens a journal, builds the journaled client and the RunContext,
runs the plugin, then settles the client (auto rollback on), and returns what happened.
`cluster_state` captures everything the Kubernetes-level scenarios may touch, so a test
can assert that the cluster is back to its pre-run state. It leaves out what changes on its
own meanwhile: objects controllers add to a namespace (the root CA ConfigMap), and nodes
other test processes sharing the cluster add and remove for themselves.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kwok_nodes import another_process_node
from pydantic import BaseModel

from undertow.clock import CancelToken, SystemClock
from undertow.events import Event, EventLog
from undertow.kube import KubeApi
from undertow.rollback.client import JournaledClient
from undertow.rollback.entry import RollbackReport
from undertow.rollback.journal import Journal
from undertow.scenarios.base import PlanContext, RunContext, ScenarioResult

MANAGED = "app.kubernetes.io/managed-by=undertow"
CONTROLLER_MADE = {"ConfigMap": {"kube-root-ca.crt"}, "ServiceAccount": {"default"}}
"""Objects controllers add to every namespace on their own, at a moment of their choosing."""


def _names(api: KubeApi, api_version: str, kind: str, namespace: str) -> list[str]:
    made = CONTROLLER_MADE.get(kind, set())
    names = (o["metadata"]["name"] for o in api.list(api_version, kind, namespace))
    return sorted(name for name in names if name not in made)


@dataclass
class Outcome:
    result: ScenarioResult | None
    error: BaseException | None
    settle: RollbackReport
    events: list[Event]
    journal: Path

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def pending_files(self) -> list[Path]:
        if not self.journal.exists():  # an empty rollback context is removed on close
            return []
        return sorted(p for p in self.journal.iterdir() if p.suffix == ".py")


class ScenarioHarness:
    def __init__(self, api: KubeApi, versions: Path) -> None:
        self.api = api
        self.versions = versions

    def plan(self, plugin: Any, spec_data: object) -> list[str]:
        spec = plugin.spec_model.model_validate(spec_data)
        ctx = PlanContext(self.api, plugin.scenario_type, "test.yaml", logging.getLogger("test"))
        lines: list[str] = plugin.plan(ctx, spec)
        return lines

    def run(
        self,
        plugin: Any,
        spec_data: object,
        *,
        cancel: CancelToken | None = None,
        on_start: Callable[[RunContext], None] | None = None,
        max_targets: int | None = None,
        protected: frozenset[str] = frozenset(),
    ) -> Outcome:
        spec: BaseModel = plugin.spec_model.model_validate(spec_data)
        run_id = uuid.uuid4().hex[:12]
        journal = Journal.open(self.versions, run_id)
        kube = JournaledClient(self.api, journal, plugin.scenario_type, run_id, protected=protected)
        events = EventLog()
        ctx = RunContext(
            scenario_type=plugin.scenario_type,
            scenario_file="test.yaml",
            kube=kube,
            clock=SystemClock(),
            cancel=cancel or CancelToken(),
            events=events,
            log=logging.getLogger(f"test.{plugin.scenario_type}"),
            max_targets=max_targets,
        )
        result: ScenarioResult | None = None
        error: BaseException | None = None
        try:
            if on_start is not None:
                on_start(ctx)
            result = plugin.run(ctx, spec)
        except Exception as exc:
            error = exc
        passed = result is not None and result.passed
        report = kube.settle(passed, auto_rollback=True)
        journal.close()
        return Outcome(result, error, report, events.events, journal.context)


def wait_for(check: Callable[[], Any], timeout: float = 60, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def cancel_when(
    token: CancelToken, check: Callable[[], Any], timeout: float, interval: float = 0.3
) -> Callable[[Any], None]:
    """An `on_start` hook: a background thread cancels `token` once `check()` holds
    (waited for as `wait_for` does), to interrupt a scenario at a chosen moment."""

    def start(_ctx: Any) -> None:
        def later() -> None:
            wait_for(check, timeout=timeout, interval=interval)
            token.cancel("test")

        threading.Thread(target=later, daemon=True).start()

    return start


def _ready(obj: dict[str, Any]) -> bool:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def ready_pods(api: KubeApi, namespace: str, selector: str) -> list[dict[str, Any]]:
    return [
        p
        for p in api.list_pods(namespace, selector)
        if (p.get("status") or {}).get("phase") == "Running"
        and _ready(p)
        and not p["metadata"].get("deletionTimestamp")
    ]


def cluster_state(api: KubeApi, namespaces: list[str]) -> dict[str, Any]:
    """What undertow's Kubernetes-level scenarios may change, in a comparable form."""
    nodes = {
        n["metadata"]["name"]: {
            "labels": n["metadata"].get("labels") or {},
            "unschedulable": bool((n.get("spec") or {}).get("unschedulable")),
            "taints": sorted(
                (t["key"], t.get("value", ""), t["effect"])
                for t in (n.get("spec") or {}).get("taints") or []
            ),
            "ready": _ready(n),
        }
        for n in api.list_nodes()
        if not another_process_node(n)
    }
    per_ns: dict[str, Any] = {}
    for ns in namespaces:
        per_ns[ns] = {
            "services": {
                s["metadata"]["name"]: (s.get("spec") or {}).get("selector")
                for s in api.list("v1", "Service", ns)
            },
            "network_policies": _names(api, "networking.k8s.io/v1", "NetworkPolicy", ns),
            "config_maps": _names(api, "v1", "ConfigMap", ns),
            "service_accounts": _names(api, "v1", "ServiceAccount", ns),
            "deployments": _names(api, "apps/v1", "Deployment", ns),
        }
    leftovers = sorted(
        f"{p['metadata'].get('namespace')}/{p['metadata']['name']}"
        for p in api.list_pods(label_selector=MANAGED)
    )
    return {"nodes": nodes, "namespaces": per_ns, "undertow_pods": leftovers}
