"""The crash matrix per scenario type on the real node: for each type whose change lives in a
container, a cgroup, a volume or a network namespace, a short real `undertow run` SIGKILLed at
each failpoint of the journal protocol as it meets its first journaled change (or its first
undo), then `undertow rollback execute` (tests/integration/crash_cell.py) must leave what the
type changes as it was, each pending entry undone exactly once.

As with the kwok types (tests/integration/scenarios/test_scenario_crash_matrix.py, which
also checks that every type is in one of them or says why not), CI runs a slice and
UNDERTOW_CRASH_MATRIX=full every cell (tests/integration/crash_types.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from crash_cell import CrashCell
from crash_types import REAL_NODE_TYPES, cells
from real_pods import create_ready, real_pod, wait_for
from test_real_faults import ON_THE_REAL_NODE, snapshot
from test_real_io_throttle import claimed_pod, limits  # noqa: F401 (a fixture, by name)
from test_real_io_throttle import scenario as throttle
from test_real_network import helpers, module, netns_state, web  # noqa: F401
from test_real_network_legacy import step
from test_real_storage import fill_files, small_volume, used_percent  # noqa: F401
from test_real_storage import scenario as fill

pytestmark = pytest.mark.timeout(400)

CHAOS_SECONDS = 2


@dataclass(frozen=True)
class RealType:
    """How a cell of one type is set up, what it runs, and what it must leave as it was."""

    fixture: str
    """The set-up fixture, by name ("namespace" when the type needs none of its own)."""
    scenario: Callable[[Any, Any, str], object]
    """(core, the fixture's value, namespace) -> the scenario file's content."""
    state: Callable[[Any, Any, str], object]
    """(core, the fixture's value, namespace) -> what the type changes, comparable."""


def _deaf_container(core: Any, _: Any, namespace: str) -> object:
    """busybox httpd as pid 1 ignores SIGTERM: the scenario fails and the run rolls back its
    record, so a run reaches the `executor.*` failpoints (a passing one has nothing to undo)."""
    httpd = ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
    create_ready(core, real_pod("deaf", httpd, port=8080), namespace)
    scenario = {"namespace": namespace, "label_selector": "app=deaf", "action": "SIGTERM"}
    return {"scenarios": [{**scenario, "expected_recovery_time": CHAOS_SECONDS}]}


def _restarts(core: Any, _: Any, namespace: str) -> object:
    pod = core.read_namespaced_pod("deaf", namespace)
    return pod.status.container_statuses[0].restart_count


def _filter(_core: Any, _web: Any, namespace: str) -> object:
    return [module("pod_network_filter", namespace, ports=[8080], test_duration=CHAOS_SECONDS)]


def _outage(_core: Any, _web: Any, namespace: str) -> object:
    return [
        step("pod_network_outage", namespace, ingress_ports=[8080], test_duration=CHAOS_SECONDS)
    ]


def _rules(core: Any, web_: Any, namespace: str) -> object:
    return (netns_state(web_["pod"]), [h.metadata.name for h in helpers(core, namespace)])


TYPES: dict[str, RealType] = {
    "container_scenarios": RealType("namespace", _deaf_container, _restarts),
    "hog_scenarios": RealType(
        "namespace",
        lambda _c, _f, ns: (
            {"hog-type": "cpu", "duration": CHAOS_SECONDS, "namespace": ns} | ON_THE_REAL_NODE
        ),
        lambda _c, _f, _ns: None,
    ),
    "network_chaos_ng_scenarios": RealType("web", _filter, _rules),
    "pod_network_scenarios": RealType("web", _outage, _rules),
    "pvc_scenarios": RealType(
        "small_volume",
        lambda _c, _v, ns: fill(ns, 60, CHAOS_SECONDS),
        lambda _c, volume, _ns: (used_percent(volume), fill_files(volume)),
    ),
    "storage_throttle_scenarios": RealType(
        "claimed_pod",
        lambda _c, _p, ns: throttle(ns, CHAOS_SECONDS),
        lambda _c, pod, _ns: limits(pod),
    ),
}
"""Each real-node type with its cells; every cell also compares the namespace's pods."""


def test_every_real_node_type_has_its_set_up() -> None:
    assert set(TYPES) == REAL_NODE_TYPES


@pytest.mark.parametrize(("scenario_type", "point"), cells(REAL_NODE_TYPES))
def test_real_type_killed_at_failpoint_then_rollback_execute_restores(
    scenario_type: str,
    point: str,
    request: pytest.FixtureRequest,
    core: Any,
    namespace: str,
    kubeconfig: str,
    tmp_path: Path,
) -> None:
    kind = TYPES[scenario_type]
    made = request.getfixturevalue(kind.fixture)
    body = kind.scenario(core, made, namespace)

    def state() -> object:
        return (kind.state(core, made, namespace), snapshot(core, namespace))

    before = state()
    scenario = yaml.safe_dump(body, sort_keys=False)
    (tmp_path / "cell").mkdir()
    CrashCell(tmp_path / "cell", kubeconfig, scenario_type, scenario).kill_then_restore(point)
    wait_for("the state from before the run", lambda: state() == before, deadline_s=90)
