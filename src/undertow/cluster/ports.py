"""Loopback ports: pick free ones, and tell clearly when a wanted one is taken."""

from __future__ import annotations

import contextlib
import socket

from undertow.errors import LocalClusterError

HOST = "127.0.0.1"


def port_in_use(port: int, host: str = HOST) -> bool:
    """True when something listens on host:port.

    SO_REUSEADDR makes the bind succeed over TIME_WAIT leftovers of closed connections (which
    the components' own listeners ignore too) while a live listener still makes it fail.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def free_ports(count: int, host: str = HOST) -> list[int]:
    """`count` distinct ports the kernel says are free right now (all held until all are picked)."""
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(sock.getsockname()[1])
        return ports


def require_free(port: int, what: str, host: str = HOST) -> None:
    if port_in_use(port, host):
        raise LocalClusterError(
            f"port {port} on {host} ({what}) is already in use: stop whatever listens there "
            f"(`ss -ltnp 'sport = :{port}'` shows it) or choose another port"
        )
