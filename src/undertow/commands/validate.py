"""`undertow validate`: load the config and every scenario file; never needs a cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from undertow.config import Overrides, Settings, load_settings
from undertow.runner import RunPlan, build_plan
from undertow.scenarios.registry import Registry, build_registry


@dataclass(frozen=True)
class Validated:
    settings: Settings
    plan: RunPlan

    @property
    def ignored(self) -> tuple[str, ...]:
        """Everything in the input undertow will not act on, each said once."""
        return self.settings.ignored + self.plan.deselected


def validate(
    config: Path,
    *,
    only: Sequence[str] = (),
    skip_unsupported: bool = False,
    overrides: Overrides | None = None,
    env: Mapping[str, str] | None = None,
    registry: Registry | None = None,
) -> Validated:
    """Raise ConfigError (exit 2) with every problem, or return what would run.

    A scenario type undertow does not implement is a problem too, unless `skip_unsupported`:
    then its files are in `plan.skipped`.
    """
    settings = load_settings(config, overrides=overrides, env=env)
    plan = build_plan(
        settings, registry or build_registry(), only=only, skip_unsupported=skip_unsupported
    )
    return Validated(settings=settings, plan=plan)
