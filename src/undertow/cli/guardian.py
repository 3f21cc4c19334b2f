"""`undertow guardian install|uninstall|status|run`. Parsing and printing only; the work is in
`undertow.commands.guardian`."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    from undertow.kube import KubeApi

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The in-cluster guardian: it rolls back every run whose heartbeat Lease lapsed.\n\n"
    "It restores each such run from its journal's cluster copy (docs/rollback.md).",
)

Namespace = Annotated[
    str,
    typer.Option(
        "--namespace",
        "-n",
        help="Where the runs' Leases and journal copies are (heartbeat.namespace).",
    ),
]
Kubeconfig = Annotated[
    Path | None,
    typer.Option("--kubeconfig", help="Kubeconfig file (default: as for `run`)."),
]
Context = Annotated[str | None, typer.Option("--context", help="Kubeconfig context.")]
Interval = Annotated[
    float, typer.Option("--interval", min=0.1, help="Seconds between two passes over the Leases.")
]
Claim = Annotated[
    int,
    typer.Option("--claim", min=1, help="Seconds a claim on a dead run's Lease holds unrenewed."),
]


def _connector(kubeconfig: Path | None, context: str | None) -> Callable[[], KubeApi]:
    from undertow.cli.options import to_path
    from undertow.cli.output import setup_logging
    from undertow.commands.connection import connector
    from undertow.config import Overrides, load_connection

    settings = load_connection(
        None, overrides=Overrides(kubeconfig=to_path(kubeconfig), context=context)
    )
    return connector(settings, log=setup_logging(verbose=False))


@app.command("install")
def install_command(
    *,
    namespace: Namespace = "undertow",
    image: Annotated[
        str,
        typer.Option("--image", help="undertow's image (`undertow cluster images --undertow`)."),
    ] = "undertow.local/undertow:local",
    interval: Interval = 10.0,
    claim: Claim = 60,
    replicas: Annotated[int, typer.Option("--replicas", min=1)] = 1,
    node_selector: Annotated[
        list[str] | None,
        typer.Option("--node-selector", help="key=value the guardian's pods are placed by."),
    ] = None,
    toleration: Annotated[
        list[str] | None, typer.Option("--toleration", help="A taint key the pods tolerate.")
    ] = None,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
) -> None:
    """Deploy the guardian into NAMESPACE with least-privilege RBAC (applied: safe to rerun).

    \b
    Examples:
      undertow guardian install --image undertow.local/undertow:local
      undertow guardian install --namespace chaos --interval 5 --replicas 2
    """
    from undertow.commands.guardian import guardian_install

    pod_spec: dict[str, Any] = {}
    if node_selector:
        pod_spec["nodeSelector"] = dict(item.split("=", 1) for item in node_selector)
    if toleration:
        pod_spec["tolerations"] = [{"key": key, "operator": "Exists"} for key in toleration]
    applied = guardian_install(
        _connector(kubeconfig, context),
        namespace,
        image=image,
        interval=interval,
        claim=claim,
        replicas=replicas,
        pod_spec=pod_spec,
    )
    for ref in applied:
        typer.echo(f"applied {ref}")


@app.command("uninstall")
def uninstall_command(
    *, namespace: Namespace = "undertow", kubeconfig: Kubeconfig = None, context: Context = None
) -> None:
    """Remove the guardian from NAMESPACE (runs' Leases and journal copies are kept).

    \b
    Examples:
      undertow guardian uninstall
      undertow guardian uninstall --namespace chaos
    """
    from undertow.commands.guardian import guardian_uninstall

    for ref in guardian_uninstall(_connector(kubeconfig, context), namespace):
        typer.echo(f"deleted {ref}")


@app.command("status")
def status_command(
    *, namespace: Namespace = "undertow", kubeconfig: Kubeconfig = None, context: Context = None
) -> None:
    """Whether a guardian is ready in NAMESPACE, and the runs' Leases it watches.

    Exit 1 when no guardian replica is ready.

    \b
    Examples:
      undertow guardian status
      undertow guardian status --namespace chaos
    """
    from undertow import exit_codes
    from undertow.commands.guardian import guardian_status

    status = guardian_status(_connector(kubeconfig, context), namespace)
    if status.installed:
        typer.echo(f"guardian in {namespace}: {status.ready}/{status.replicas} ready")
    else:
        typer.echo(f"no guardian installed in {namespace}")
    typer.echo(
        f"runs: {len(status.live)} live, {len(status.lapsed)} lapsed (to roll back), "
        f"{len(status.claimed)} being rolled back"
    )
    for name in status.lapsed:
        typer.echo(f"  lapsed: {name}")
    raise typer.Exit(0 if status.ready else exit_codes.FAILED)


@app.command("run")
def run_command(
    *,
    namespace: Namespace = "undertow",
    interval: Interval = 10.0,
    claim: Claim = 60,
    kubeconfig: Kubeconfig = None,
    context: Context = None,
) -> None:
    """The guardian's loop in this process (what the Deployment runs), until SIGTERM/SIGINT.

    \b
    Examples:
      undertow guardian run --namespace undertow
      undertow guardian run --namespace chaos --interval 2 --claim 30
    """
    from undertow.cli.output import setup_logging
    from undertow.clock import CancelToken
    from undertow.commands.guardian import guardian_run
    from undertow.runner.guardian import GuardianSettings

    connect = _connector(kubeconfig, context)
    stop = CancelToken()

    def stopping(signum: int, _frame: object) -> None:
        stop.cancel(signal.Signals(signum).name)  # only a flag: the loop ends in its own time

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    settings = GuardianSettings(namespace=namespace, interval=interval, claim=claim)
    guardian_run(connect, settings, stop=stop, log=setup_logging(verbose=False))
