"""The local cluster's PKI: one CA, one certificate every component serves and connects with.

This is kwokctl's scheme: the certificate is in `system:masters` and valid for serverAuth and
clientAuth, so it is the API server's serving cert, the admin's client cert and the client cert
of the controller-manager, scheduler and kwok. A separate key signs ServiceAccount tokens.
ECDSA P-256 keys keep generation instant.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from undertow.errors import LocalClusterError

SERVICE_IP = "198.19.0.1"  # first address of --service-cluster-ip-range (components.py)
BRIDGE_IP = "198.18.0.1"  # a real node's bridge, where pods reach the API server (realnode)
DNS_NAMES = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
VALIDITY = datetime.timedelta(days=3650)


@dataclass(frozen=True)
class Pki:
    dir: Path

    @property
    def ca_cert(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.dir / "ca.key"

    @property
    def cert(self) -> Path:
        return self.dir / "admin.crt"

    @property
    def key(self) -> Path:
        return self.dir / "admin.key"

    @property
    def sa_key(self) -> Path:
        return self.dir / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.dir / "sa.pub"


def _crypto() -> Any:
    try:
        from cryptography import x509
    except ImportError as exc:
        raise LocalClusterError(
            "the local cluster needs the `cryptography` package: pip install cryptography "
            "(or pip install '.[local]' in undertow's checkout)"
        ) from exc
    return x509


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _pem_key(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    encoded: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return encoded


def _key_usage(*, ca: bool) -> Any:
    x509 = _crypto()
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _mint_leaf(
    ca_cert: Any,
    ca_key: Any,
    *,
    common_name: str,
    organization: str | None,
    server: bool,
    client: bool,
    dns_names: Sequence[str] = (),
    ips: Sequence[str] = (),
) -> tuple[bytes, bytes]:
    """A certificate signed by the cluster CA and its key, both PEM."""
    x509 = _crypto()
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    usages = [ExtendedKeyUsageOID.SERVER_AUTH] if server else []
    usages += [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    alt_names = [x509.DNSName(name) for name in dns_names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)


def create_pki(directory: Path) -> Pki:
    """Write ca.crt/ca.key, admin.crt/admin.key and sa.key/sa.pub into `directory` (0700)."""
    x509 = _crypto()
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pki = Pki(directory)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "undertow-local-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    cert, key = _mint_leaf(
        ca,
        ca_key,
        common_name="undertow-admin",
        organization="system:masters",
        server=True,
        client=True,
        dns_names=DNS_NAMES,
        ips=("127.0.0.1", SERVICE_IP, BRIDGE_IP),
    )

    sa_key = ec.generate_private_key(ec.SECP256R1())
    sa_pub = sa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    _write(pki.ca_cert, ca.public_bytes(serialization.Encoding.PEM), 0o644)
    _write(pki.ca_key, _pem_key(ca_key), 0o600)
    _write(pki.cert, cert, 0o644)
    _write(pki.key, key, 0o600)
    _write(pki.sa_key, _pem_key(sa_key), 0o600)
    _write(pki.sa_pub, sa_pub, 0o644)
    return pki


@dataclass(frozen=True)
class NodePki:
    """A real node's certificates: kubelet client + serving, kube-proxy client."""

    dir: Path

    def cert(self, name: str) -> Path:
        return self.dir / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.dir / f"{name}.key"


def mint_node_pki(pki: Pki, directory: Path, node: str, node_ip: str) -> NodePki:
    """Certificates for a real node, signed by the cluster CA.

    kubelet-client is `system:node:<node>` in `system:nodes` (the Node authorizer and
    NodeRestriction accept it), kubelet-serving is what the API server verifies on exec/logs,
    kube-proxy is `system:kube-proxy` (bound to system:node-proxier by the bootstrap policy).
    """
    x509 = _crypto()
    from cryptography.hazmat.primitives import serialization

    ca_cert = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(pki.ca_key.read_bytes(), None)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    node_pki = NodePki(directory)
    leaves = {
        "kubelet-client": _mint_leaf(
            ca_cert,
            ca_key,
            common_name=f"system:node:{node}",
            organization="system:nodes",
            server=False,
            client=True,
        ),
        "kubelet-serving": _mint_leaf(
            ca_cert,
            ca_key,
            common_name=node,
            organization=None,
            server=True,
            client=False,
            dns_names=(node, "localhost"),
            ips=("127.0.0.1", node_ip),
        ),
        "kube-proxy": _mint_leaf(
            ca_cert,
            ca_key,
            common_name="system:kube-proxy",
            organization=None,
            server=False,
            client=True,
        ),
    }
    for name, (cert, key) in leaves.items():
        _write(node_pki.cert(name), cert, 0o644)
        _write(node_pki.key(name), key, 0o600)
    return node_pki
