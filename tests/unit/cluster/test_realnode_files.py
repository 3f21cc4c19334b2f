"""The real node's images, certificates and configuration files (pure data, no host change)."""

from __future__ import annotations

import io
import ipaddress
import json
import re
import tarfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from undertow.cluster import images
from undertow.cluster.components import KWOK_POD_CIDR, SERVICE_CIDR
from undertow.cluster.pki import create_pki, mint_node_pki
from undertow.cluster.realnode import configs, host
from undertow.cluster.state import ClusterState, RealNodeRecord, StateDir
from undertow.errors import LocalClusterError

PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
BENCHMARK = ipaddress.ip_network("198.18.0.0/15")


def test_images_are_reproducible_docker_archives() -> None:
    first = images.archive(images.default_images()[1])
    second = images.archive(images.default_images()[1])
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert manifest[0]["RepoTags"] == [images.BUSYBOX]
        with tarfile.open(fileobj=tar.extractfile("layer.tar")) as layer:
            names = set(layer.getnames())
            assert {"bin/busybox", "bin/sh", "bin/httpd", "bin/nc", "var/www/index.html"} <= names
            assert all(m.mtime == 0 for m in layer.getmembers())


def test_pause_image_sleeps_forever() -> None:
    pause = images.default_images()[0]
    assert pause.ref == images.PAUSE
    assert list(pause.entrypoint or ()) == ["/bin/sleep", "2147483647"]


def test_every_cluster_range_is_a_benchmarking_range_never_routed() -> None:
    for cidr in (SERVICE_CIDR, KWOK_POD_CIDR, host.POD_CIDR, host.GUARD_ROUTE):
        network = ipaddress.ip_network(cidr)
        assert network.subnet_of(BENCHMARK)  # type: ignore[arg-type]
        assert not any(network.overlaps(p) for p in PRIVATE)
    assert ipaddress.ip_address(host.GATEWAY) in ipaddress.ip_network(host.POD_CIDR)


def test_node_certificates_carry_the_identities_the_authorizers_expect(tmp_path: Path) -> None:
    pki = create_pki(tmp_path / "pki")
    node = mint_node_pki(pki, tmp_path / "node", "real-node-0", host.GATEWAY)
    ca = x509.load_pem_x509_certificate(pki.ca_cert.read_bytes())

    def load(name: str) -> x509.Certificate:
        cert = x509.load_pem_x509_certificate(node.cert(name).read_bytes())
        cert.verify_directly_issued_by(ca)
        assert node.key(name).stat().st_mode & 0o077 == 0
        return cert

    client = load("kubelet-client")
    assert client.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "system:node:real-node-0"
    )
    assert client.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "system:nodes"
    )
    serving = load("kubelet-serving")
    usage = serving.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    sans = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address(host.GATEWAY) in sans.get_values_for_type(x509.IPAddress)
    proxy = load("kube-proxy")
    assert proxy.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "system:kube-proxy"
    )


def test_node_files_stay_in_the_node_dir_and_listen_on_loopback_or_the_bridge(
    tmp_path: Path,
) -> None:
    pki = create_pki(tmp_path / "pki")
    paths = configs.NodePaths(tmp_path / "node")
    node = mint_node_pki(pki, paths.pki, "real-node-0", host.GATEWAY)
    rendered = {
        "containerd": configs.containerd_toml(paths, 1234),
        "cni": configs.cni_conflist(paths),
        "kubelet": configs.kubelet_config(paths, node, pki.ca_cert, 1235),
        "kube-proxy": configs.kube_proxy_config(paths, "real-node-0", 1236, 1237),
    }
    for name, text in rendered.items():
        for path in re.findall(r"(?<=[\"\s=])(/[\w./-]+)", text):
            if path.startswith(("/usr/lib/cni", "/v1")):
                continue
            assert path.startswith((str(tmp_path), "/proc")), f"{name}: {path}"
        for ip in re.findall(r"\b\d+\.\d+\.\d+\.\d+\b", text):
            address = ipaddress.ip_address(ip)
            assert address.is_loopback or address in BENCHMARK, f"{name}: {ip}"
    kubelet = json.loads(rendered["kubelet"])
    assert kubelet["protectKernelDefaults"] is True
    assert kubelet["makeIPTablesUtilChains"] is False
    assert kubelet["registerWithTaints"] == [configs.REAL_NODE_TAINT]
    cni = json.loads(rendered["cni"])["plugins"][0]
    assert cni["isGateway"] is False and cni["ipMasq"] is False
    assert [r["dst"] for r in cni["ipam"]["routes"]] == [SERVICE_CIDR]  # no default route
    assert "restrict_oom_score_adj = true" in rendered["containerd"]


def test_preflight_names_the_packages_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host.shutil, "which", lambda cmd: None if cmd == "runc" else f"/x/{cmd}")
    monkeypatch.setattr(host.os, "geteuid", lambda: 0)
    with pytest.raises(LocalClusterError) as caught:
        host.preflight()
    message = str(caught.value)
    assert "missing packages: runc" in message
    assert "apt-get install -y --no-install-recommends containerd runc" in message


def test_preflight_wants_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host.shutil, "which", lambda cmd: f"/x/{cmd}")
    monkeypatch.setattr(host.os, "geteuid", lambda: 1000)
    with pytest.raises(LocalClusterError, match="needs root"):
        host.preflight()


def test_the_real_node_record_round_trips(tmp_path: Path) -> None:
    state_dir = StateDir(tmp_path / "c")
    state_dir.prepare()
    record = RealNodeRecord(name="real-node-0", dir="/x/node", created_paths=["/run/containerd"])
    state_dir.save(ClusterState("c", 1, 1, 6443, "/bin", real_node=record))
    loaded = state_dir.load()
    assert loaded is not None and loaded.real_node == record
