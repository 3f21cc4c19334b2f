"""A plain kubeconfig is read into the same client configuration the client's loader builds;
anything else is left to that loader."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from undertow.kube.plain_kubeconfig import plain_configuration
from undertow.undo.k8s_api import api_client

CA, CERT, KEY = b"ca bytes\n", b"cert bytes\n", b"key bytes\n"


def _b64(data: bytes) -> str:
    return base64.standard_b64encode(data).decode()


def _write(tmp_path: Path, cluster: dict[str, Any], user: dict[str, Any]) -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "main",
        "clusters": [
            {"name": "k", "cluster": cluster},
            {"name": "other", "cluster": {"server": "https://other:6443"}},
        ],
        "users": [{"name": "u", "user": user}, {"name": "o", "user": {"token": "other"}}],
        "contexts": [
            {"name": "main", "context": {"cluster": "k", "user": "u"}},
            {"name": "second", "context": {"cluster": "other", "user": "o"}},
        ],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(document))
    return path


def _seen(configuration: Any) -> dict[str, Any]:
    """What the client uses of a configuration; files by their content."""

    def content(path: str | None) -> bytes | None:
        return Path(path).read_bytes() if path else None

    return {
        "host": configuration.host,
        "api_key": dict(configuration.api_key),
        "verify_ssl": configuration.verify_ssl,
        "tls_server_name": configuration.tls_server_name,
        "proxy": configuration.proxy,
        "ca": content(configuration.ssl_ca_cert),
        "cert": content(configuration.cert_file),
        "key": content(configuration.key_file),
    }


PLAIN = {
    "token": (
        {"server": "https://k:6443/", "certificate-authority-data": _b64(CA)},
        {"token": "secret"},
    ),
    "cert-data": (
        {"server": "https://k:6443", "certificate-authority-data": _b64(CA)},
        {"client-certificate-data": _b64(CERT), "client-key-data": _b64(KEY)},
    ),
    "cert-files": (
        {"server": "https://k:6443", "certificate-authority": "pki/ca.crt"},
        {"client-certificate": "pki/admin.crt", "client-key": "pki/admin.key"},
    ),
    "tls-options": (
        {
            "server": "https://k:6443",
            "insecure-skip-tls-verify": True,
            "tls-server-name": "api.internal",
            "proxy-url": "http://proxy:3128",
        },
        {"token": "t"},
    ),
    "http-no-user-files": ({"server": "http://k:8080"}, {"client-key-data": _b64(KEY)}),
}


@pytest.mark.parametrize("shape", sorted(PLAIN))
@pytest.mark.parametrize("context", [None, "main", "second"])
def test_a_plain_kubeconfig_configures_the_client_as_its_loader_does(
    tmp_path: Path, shape: str, context: str | None
) -> None:
    (tmp_path / "pki").mkdir()
    for name, data in (("ca.crt", CA), ("admin.crt", CERT), ("admin.key", KEY)):
        (tmp_path / "pki" / name).write_bytes(data)
    path = _write(tmp_path, *PLAIN[shape])
    ours = plain_configuration(path, context)
    assert ours is not None
    loaded = api_client(str(path), context)
    try:
        assert _seen(ours) == _seen(loaded.configuration)
    finally:
        loaded.close()


def test_data_is_kept_in_memory_and_files_are_named_as_written(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_bytes(CA)
    path = _write(
        tmp_path,
        {"server": "https://k:6443", "certificate-authority": "ca.crt"},
        {"client-certificate-data": _b64(CERT), "client-key-data": _b64(KEY)},
    )
    ours = plain_configuration(path, None)
    assert ours.ssl_ca_cert == str(tmp_path / "ca.crt")
    assert ours.cert_file.startswith("/proc/self/fd/")
    assert ours.key_file.startswith("/proc/self/fd/")


LEFT_TO_THE_LOADER = {
    "exec-plugin": {"exec": {"command": "get-token", "apiVersion": "x"}},
    "auth-provider": {"auth-provider": {"name": "oidc", "config": {}}},
    "token-file": {"tokenFile": "token"},
    "basic-auth": {"username": "a", "password": "b"},
    "missing-cert-file": {"client-certificate": "nope.crt", "client-key": "nope.key"},
}


@pytest.mark.parametrize("shape", sorted(LEFT_TO_THE_LOADER))
def test_other_credentials_are_left_to_the_clients_loader(tmp_path: Path, shape: str) -> None:
    path = _write(tmp_path, {"server": "https://k:6443"}, LEFT_TO_THE_LOADER[shape])
    assert plain_configuration(path, None) is None


@pytest.mark.parametrize(
    "content",
    [
        "clusters: [\n",
        "hello\n",
        "- a\n",
        "{clusters: 7, users: 5, contexts: [], current-context: x}",
    ],
)
def test_a_malformed_kubeconfig_is_left_to_the_clients_loader(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken"
    path.write_text(content)
    assert plain_configuration(path, None) is None


def test_an_unknown_context_is_left_to_the_clients_loader(tmp_path: Path) -> None:
    path = _write(tmp_path, {"server": "https://k:6443"}, {"token": "t"})
    assert plain_configuration(path, "nope") is None


def test_connecting_imports_neither_the_kubeconfig_loader_nor_requests(tmp_path: Path) -> None:
    """In a fresh process: the client's package is there in full when asked for."""
    path = _write(tmp_path, {"server": "https://k:6443"}, {"token": "t"})
    script = f"""
import sys
from undertow.kube.connect import _api_client
from undertow.config.kubeconfig import explicit
from pathlib import Path
client = _api_client(explicit(Path({str(path)!r})), None)
from kubernetes import dynamic, watch
print(sorted(m for m in ("kubernetes.config", "requests", "oauthlib") if m in sys.modules))
import kubernetes
print(kubernetes.config.ConfigException.__name__, kubernetes.__project__)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["[]", "ConfigException kubernetes"]
