"""Node names the scenario files give must exist: checked once connected, before any change.

`validate` has no cluster, so a node name is only checked against the cluster at the start
of `run`, right after connecting and before anything is created (not even the heartbeat's
Lease): a name that does not exist is bad input (exit 2), naming file, line and field.
"""

from __future__ import annotations

from collections.abc import Sequence

from undertow.config import load_yaml
from undertow.errors import ConfigError, ConfigIssue
from undertow.kube import KubeApi
from undertow.runner.plan import ScenarioJob
from undertow.scenarios.base import NamesNodes
from undertow.scenarios.common.status import name_of


def check_node_names(jobs: Sequence[ScenarioJob], api: KubeApi) -> None:
    """Raise ConfigError listing every node name of `jobs` the cluster does not have."""
    named = [
        (job, loc, name)
        for job in jobs
        if isinstance(job.plugin, NamesNodes)
        for loc, name in job.plugin.named_nodes(job.spec)
    ]
    if not named:
        return
    existing = {name_of(node) for node in api.list_nodes()}
    issues: list[ConfigIssue] = []
    for job, loc, name in named:
        if name not in existing:
            doc = load_yaml(job.ref.path)
            issues.append(
                doc.issue(loc, f"no such node {name!r} in the cluster; nothing was changed")
            )
    if issues:
        raise ConfigError(issues)
