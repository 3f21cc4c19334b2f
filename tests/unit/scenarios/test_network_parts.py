"""The network modules' pure parts: rates, the helper's probe output, whose root qdisc an
interface has, which nodes are this machine."""

from __future__ import annotations

import pytest

from undertow.scenarios.network.rules import bytes_per_second, table_name
from undertow.scenarios.network.script import foreign_roots, parse_probe
from undertow.scenarios.network.targets import runs_here


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("1mbit", 125_000), ("512kbit", 64_000), ("1gbit", 125_000_000), ("8bit", 1), ("1bit", 1)],
)
def test_rates_are_decimal_bytes_per_second(rate: str, expected: int) -> None:
    assert bytes_per_second(rate) == expected


def test_a_table_is_named_after_the_run_and_the_module() -> None:
    assert table_name("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", 2) == "undertow_0f1e2d3c_2"


def test_the_probe_output_is_read_by_section() -> None:
    out = "== links\nlo\neth0\n== netem\nno\n== routes\n== qdiscs\nqdisc noqueue 0: dev eth0 root\n"
    sections = parse_probe(out)
    assert sections["links"] == ["lo\n", "eth0\n"]
    assert sections["netem"] == ["no\n"]
    assert sections["routes"] == []
    assert sections["qdiscs"] == ["qdisc noqueue 0: dev eth0 root\n"]


def test_only_a_root_qdisc_with_a_handle_is_someone_elses() -> None:
    lines = [
        "qdisc noqueue 0: dev lo root refcnt 2\n",
        "qdisc noqueue 0: dev eth0 root refcnt 2\n",
        "qdisc htb 1: dev eth1 root refcnt 2 r2q 10 default 0x1\n",
        "qdisc ingress ffff: dev eth0 parent ffff:fff1\n",
    ]
    assert foreign_roots(lines, ["eth0"]) == []
    assert foreign_roots(lines, ["eth0", "eth1"]) == ["eth1"]


def _node(*addresses: str) -> dict[str, object]:
    return {"status": {"addresses": [{"type": "InternalIP", "address": a} for a in addresses]}}


def test_a_node_whose_address_is_this_machines_runs_here() -> None:
    assert runs_here(_node("127.0.0.1"))
    assert not runs_here(_node("192.0.2.1"))  # TEST-NET-1: never an address of this machine
    assert not runs_here({"status": {"addresses": [{"type": "Hostname", "address": "x"}]}})
