"""Forward TCP from the bridge address to the API server on loopback, for pods.

The local API server listens on 127.0.0.1 only, which no pod can reach. Pods find it the
usual way (the `kubernetes` Service, in-cluster config); its EndpointSlice points at
198.18.0.1:6443, where this forwarder listens and copies bytes both ways (TLS passes through
untouched, so pods see the API server's own certificate).

    python -m undertow.cluster.realnode.forward 198.18.0.1:6443 127.0.0.1:<api port>
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading

BUFFER = 65536


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(BUFFER):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _serve(client: socket.socket, target: tuple[str, int]) -> None:
    try:
        upstream = socket.create_connection(target, timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
    _pipe(client, upstream)
    client.close()
    upstream.close()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host, int(port)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    listen, target = _address(argv[0]), _address(argv[1])
    with socket.create_server(listen, reuse_port=False) as server:
        print(f"forwarding {argv[0]} -> {argv[1]}", flush=True)
        while True:
            client, _ = server.accept()
            threading.Thread(target=_serve, args=(client, target), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
