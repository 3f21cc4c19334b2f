"""`undertow validate`."""

from __future__ import annotations

import typer

from undertow.cli.options import Config, Scenarios, SkipUnsupported

app = typer.Typer(add_completion=False, rich_markup_mode=None)


@app.command()
def validate(
    *, config: Config, scenario: Scenarios = None, skip_unsupported: SkipUnsupported = False
) -> None:
    """Check a config and every scenario file it names, without touching any cluster.

    Krkn's config.yaml is accepted as is; sections undertow does not implement are
    listed once as ignored. A scenario type undertow does not implement is an error,
    unless --skip-unsupported. Every problem is reported with its file, line and field,
    and the exit code is 2.

    \b
    Examples:
      undertow validate -c config.yaml
      undertow validate -c config.yaml --scenario pod_disruption_scenarios
      undertow validate -c config.yaml --skip-unsupported
    """
    from undertow.cli.output import console, print_ignored, print_skipped
    from undertow.commands.validate import validate as run_validate

    result = run_validate(config, only=scenario or (), skip_unsupported=skip_unsupported)
    out = console()
    print_ignored(out, result.ignored)
    for job in result.plan.jobs:
        out.print(f"ok  {job.scenario_type}: {job.file}")
    print_skipped(out, result.plan.skipped)
    count = len(result.plan.jobs)
    skipped = f" ({len(result.plan.skipped)} skipped)" if result.plan.skipped else ""
    out.print(
        f"{result.settings.source}: valid, {count} scenario file{'s' if count != 1 else ''}"
        + skipped
    )
