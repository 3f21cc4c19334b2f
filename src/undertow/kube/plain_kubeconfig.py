"""The client configuration of a plain kubeconfig, without the client's kubeconfig loader.

`kubernetes.config` imports `requests`, `requests_oauthlib` and `oauthlib` for the
credentials that need them (OIDC, GCP, exec plugins): about 0.2 s of CPU and 13 MiB in
every process that connects. Most kubeconfigs hold none of those: a server, a CA, and a
client certificate and key or a token. Such a file (one file, no KUBECONFIG merge) is read
here into the same `Configuration` the client's loader would build, with the same fields
(`certificate-authority`, `client-certificate`, `client-key` as paths relative to the file,
or their `-data` in base64; `token`; `insecure-skip-tls-verify`, `tls-server-name`,
`proxy-url`). Data goes straight into anonymous in-memory files (`memfd_create`), never to
disk. Anything else, or anything unexpected (an auth provider, an exec plugin, a token
file, a basic-auth user, a missing file, a malformed document, an unknown context) returns
None: the client's own loader then reads the file and says what is wrong with it.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from undertow.undo.k8s_api import import_kubernetes_lazily

_USER_KEYS = frozenset(
    {"client-certificate", "client-certificate-data", "client-key", "client-key-data", "token"}
)
"""What the client reads in a user besides the credentials left to its loader (below)."""
_LOADER_ONLY = frozenset({"auth-provider", "exec", "tokenFile", "username", "password"})


class _NotPlain(Exception):
    """The kubeconfig needs the client's loader (or its error message)."""


def plain_configuration(path: Path, context: str | None) -> Any | None:
    """A `kubernetes.client.Configuration` for the kubeconfig at `path` and `context` (None:
    its current-context), or None when the client's own loader must read it."""
    if not hasattr(os, "memfd_create"):
        return None
    try:
        import yaml  # the client's own dependency, and how its loader reads kubeconfigs

        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        return _configuration(document, path, context)
    except (_NotPlain, OSError, ValueError, yaml.YAMLError):
        return None


def _named(document: dict[str, Any], section: str, name: Any) -> dict[str, Any]:
    """The one entry of `section` with this name (the client refuses duplicates)."""
    entries = document.get(section)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _NotPlain(section)
    found = [entry for entry in entries if entry.get("name") == name]
    if len(found) != 1 or not isinstance(found[0].get(section[:-1]), dict):
        raise _NotPlain(f"{section} {name}")
    body: dict[str, Any] = found[0][section[:-1]]
    return body


def _configuration(document: Any, path: Path, context: str | None) -> Any:
    if not isinstance(document, dict):
        raise _NotPlain("document")
    chosen = _named(document, "contexts", context or document.get("current-context"))
    cluster = _named(document, "clusters", chosen.get("cluster"))
    user = _named(document, "users", chosen["user"]) if chosen.get("user") else {}
    if _LOADER_ONLY & user.keys():
        raise _NotPlain("credentials the client's loader handles")
    server, token = cluster.get("server"), user.get("token")
    if not isinstance(server, str) or not isinstance(token, str | None):
        raise _NotPlain("server or token")
    import_kubernetes_lazily()
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = server.rstrip("/")
    if token:
        configuration.api_key["BearerToken"] = f"Bearer {token}"
    if configuration.host.startswith("https"):
        base = os.path.abspath(os.path.dirname(path))
        ca = _file_or_data(cluster, "certificate-authority", base)
        cert = _file_or_data(user, "client-certificate", base)
        key = _file_or_data(user, "client-key", base)
        configuration.ssl_ca_cert = _as_file(ca, "ssl_ca_cert")
        configuration.cert_file = _as_file(cert, "cert_file")
        configuration.key_file = _as_file(key, "key_file")
    if "insecure-skip-tls-verify" in cluster:
        configuration.verify_ssl = not cluster["insecure-skip-tls-verify"]
    if "tls-server-name" in cluster:
        configuration.tls_server_name = cluster["tls-server-name"]
    if "proxy-url" in cluster:
        configuration.proxy = cluster["proxy-url"]
    return configuration


def _file_or_data(section: dict[str, Any], key: str, base: str) -> bytes | str | None:
    """`key`-data (preferred, base64) decoded, else `key` as a path relative to the
    kubeconfig's directory, as the client's loader reads them; None when neither is set."""
    if f"{key}-data" in section:
        data = section[f"{key}-data"]
        if not data:
            return None
        if not isinstance(data, str):
            raise _NotPlain(key)
        return base64.standard_b64decode(data)
    if key in section:
        if not isinstance(section[key], str):
            raise _NotPlain(key)
        named = os.path.normpath(os.path.join(base, section[key]))
        if not os.path.isfile(named):
            raise _NotPlain(f"{key}: no such file")  # the client's loader names it
        return named
    return None


def _as_file(source: bytes | str | None, name: str) -> str | None:
    """A path for the client: the file named, or decoded data in an in-memory file."""
    if not isinstance(source, bytes):
        return source
    fd = os.memfd_create(f"undertow-{name}")  # close-on-exec; lives with the process
    with open(fd, "wb", closefd=False) as memory:
        memory.write(source)
    return f"/proc/self/fd/{fd}"
