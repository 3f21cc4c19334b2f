"""`undertow cluster up|down|status|kubeconfig`: the local control plane for the demo and tests.

undertow.cluster is imported inside the commands, so `undertow --help` stays fast. Errors
(LocalClusterError) propagate to the root CLI, which maps every UndertowError to its exit code.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    help="Start, stop or inspect the local Kubernetes cluster on 127.0.0.1.\n\n"
    "A real control plane (etcd, apiserver, controllers, scheduler) with kwok nodes, "
    "optionally with one real worker node.",
    no_args_is_help=True,
)

NameOption = Annotated[str, typer.Option("--name", help="Cluster name (its own state dir).")]


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@app.command()
def up(
    name: NameOption = "undertow",
    nodes: Annotated[int, typer.Option(min=1, help="Number of kwok nodes.")] = 3,
    zones: Annotated[
        int, typer.Option(min=1, help="Zones the nodes are spread over (topology label).")
    ] = 3,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="API server port (0: any free port).")
    ] = 0,
    real_nodes: Annotated[
        int,
        typer.Option(
            min=0,
            max=1,
            help="Real worker nodes (kubelet, containerd, runc, CNI bridge, kube-proxy) beside "
            "the kwok ones: 0 or 1. Needs root and Debian's containerd, runc, "
            "containernetworking-plugins, busybox-static and nftables. Added to a running "
            "cluster too.",
        ),
    ] = 0,
) -> None:
    """Start the cluster (building the binaries on first use), or reuse it if it runs.

    \b
    Examples:
      undertow cluster up
      undertow cluster up --nodes 6 --zones 3
      undertow cluster up --real-nodes 1
    """
    from undertow import cluster

    info = cluster.up(
        cluster.ClusterSpec(
            name=name, nodes=nodes, zones=zones, api_port=port, real_nodes=real_nodes
        ),
        progress=_progress,
    )
    real = f" and {info.real_nodes} real node" if info.real_nodes else ""
    typer.echo(f"cluster {info.name!r} is up at {info.api_url} with {info.nodes} kwok nodes{real}")
    typer.echo(f"export KUBECONFIG={info.kubeconfig}")


@app.command()
def down(name: NameOption = "undertow") -> None:
    """Stop every component, keeping only the logs.

    \b
    Examples:
      undertow cluster down
    """
    from undertow import cluster

    stopped = cluster.down(name, progress=_progress)
    typer.echo(f"cluster {name!r} stopped" if stopped else f"cluster {name!r} is not running")


@app.command()
def status(name: NameOption = "undertow") -> None:
    """Show each component's pid, port and health (exit code 1 unless all are healthy).

    \b
    Examples:
      undertow cluster status
    """
    from undertow import cluster

    info = cluster.status(name)
    if info is None:
        typer.echo(f"cluster {name!r} is not running")
        raise typer.Exit(1)
    real = f", {info.real_nodes} real node" if info.real_nodes else ""
    typer.echo(
        f"cluster {info.name!r}  {info.api_url}  {info.nodes} kwok nodes{real}  "
        f"state: {info.state_dir}"
    )
    typer.echo(f"{'COMPONENT':<25} {'PID':>8} {'PORT':>6}  HEALTH")
    for c in info.components:
        health = "healthy" if c.healthy else ("unhealthy" if c.running else "not running")
        typer.echo(f"{c.name:<25} {c.pid:>8} {c.port:>6}  {health}  (log: {c.log})")
    if not info.healthy:
        raise typer.Exit(1)


@app.command()
def images(
    name: NameOption = "undertow",
    with_undertow: Annotated[
        bool,
        typer.Option(
            "--undertow",
            help="Also build the image of undertow itself (its wheel and dependencies, from "
            "PyPI; cached by source) for the in-cluster Job.",
        ),
    ] = False,
) -> None:
    """Build the node's images again from this host's packages and import them.

    \b
    Examples:
      undertow cluster images
      undertow cluster images --undertow
    """
    import sys as _sys

    from undertow import cluster
    from undertow.cluster import images as node_images
    from undertow.cluster import realnode
    from undertow.cluster.toolchain import cache_root, tools_dir
    from undertow.cluster.vegeta import ensure_vegeta

    wanted = node_images.default_images(ensure_vegeta(_progress))
    if with_undertow:
        _progress("building the undertow image (pip; cached by source)")
        wanted.append(
            node_images.undertow_image(tools_dir().parent, cache_root() / "images", _sys.executable)
        )
    realnode.import_images(cluster.StateDir.for_name(name), wanted, _progress)
    typer.echo(f"imported: {', '.join(image.ref for image in wanted)}")


@app.command()
def kubeconfig(name: NameOption = "undertow") -> None:
    """Print the admin kubeconfig's path.

    \b
    Examples:
      undertow cluster kubeconfig
    """
    from undertow import cluster

    path = cluster.StateDir.for_name(name).kubeconfig
    if not path.is_file():
        typer.echo(
            f"cluster {name!r} is not running: start it with `undertow cluster up`", err=True
        )
        raise typer.Exit(1)
    typer.echo(str(path))
