"""Which scenario types the crash matrix kills where, and which cells a test session runs.

The kwok types run in tests/integration/scenarios/test_scenario_crash_matrix.py, the
real-node types in tests/integration/realnode/test_real_crash_matrix.py; NOT_IN_MATRIX says
why the other types have no cells. With UNDERTOW_CRASH_MATRIX=full every type meets every
failpoint; otherwise (CI) each type meets one, chosen by its place in the sorted types so that
over the types every failpoint is hit.
"""

from __future__ import annotations

import os

from undertow import failpoints

KWOK_TYPES = frozenset(
    {
        "application_outages_scenarios",
        "hog_scenarios",
        "http_load_scenarios",
        "node_scenarios",
        "pod_disruption_scenarios",
        "service_disruption_scenarios",
        "service_hijacking_scenarios",
        "syn_flood_scenarios",
        "zone_outages_scenarios",
    }
)
REAL_NODE_TYPES = frozenset(
    {
        "container_scenarios",
        "hog_scenarios",
        "network_chaos_ng_scenarios",
        "pod_network_scenarios",
        "pvc_scenarios",
        "storage_throttle_scenarios",
    }
)
NOT_IN_MATRIX = {
    "time_scenarios": "refused before any change: every node here shares this machine's "
    "clock (tests/integration/realnode/test_real_clock.py)",
    "network_chaos_scenarios": "refused before any change: every node here shares this "
    "machine's network namespace (tests/integration/realnode/test_real_network_legacy.py)",
    "node_scenarios (kubelet actions)": "each cell would freeze the shared real node's kubelet "
    "for a minute; killed mid-stop in tests/integration/realnode/test_real_kubelet.py",
}
"""Types (or a type's actions) without cells, and why."""
FULL = os.environ.get("UNDERTOW_CRASH_MATRIX") == "full"


def round_robin(types: frozenset[str]) -> list[tuple[str, str]]:
    """Each type at one failpoint: the i-th of the sorted types at failpoint i (cyclic)."""
    points = failpoints.names()
    return [(t, points[i % len(points)]) for i, t in enumerate(sorted(types))]


def cells(types: frozenset[str]) -> list[tuple[str, str]]:
    """(type, failpoint) of the cells this session runs."""
    if FULL:
        return [(t, p) for t in sorted(types) for p in failpoints.names()]
    return round_robin(types)
