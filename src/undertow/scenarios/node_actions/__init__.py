"""`node_scenarios`: stop/start/reboot/terminate nodes through a provider, and the
cluster-API actions that work everywhere (cordon, drain, taint for a duration).

Every change is journaled before it is made: a node undertow stopped is started again at
the end of its entry (`node_stop` keeps it stopped until the entry's later actions, e.g. a
`node_start`, have run), on failure, on Ctrl-C, and by `undertow rollback execute` after a
crash — Krkn leaves it stopped. A node that is not NotReady/back Ready within `timeout`
fails the scenario (exit 1), and is still restored.

Modules: `spec` (the file's model), `entry` (one entry at run time), `plugin`.
"""

from __future__ import annotations

from undertow.scenarios.node_actions.plugin import NodeActionsPlugin, check_runnable, plugin
from undertow.scenarios.node_actions.spec import (
    API_ACTIONS,
    PROVIDER_ACTIONS,
    NodeScenario,
    NodeScenariosSpec,
    Taint,
)

__all__ = [
    "API_ACTIONS",
    "PROVIDER_ACTIONS",
    "NodeActionsPlugin",
    "NodeScenario",
    "NodeScenariosSpec",
    "Taint",
    "check_runnable",
    "plugin",
]
