"""Bad values in a network_chaos_ng_scenarios file: `validate` and `run` exit 2 naming the
file, the line and the field, before any cluster contact (so nothing is created)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

CONFIG = "kraken:\n  chaos_scenarios:\n    - network_chaos_ng_scenarios: [s.yaml]\n"
HEAD = "- id: {kind}\n  target: web\n"

CASES = [
    (
        "loss-over-100",
        "pod_network_chaos",
        "  loss: 150\n",
        "s.yaml:3 at [0].loss: must be <= 100, got 150",
    ),
    (
        "negative-latency",
        "pod_network_chaos",
        "  latency: -5ms\n",
        "s.yaml:3 at [0].latency: expected a duration such as 500us, 50ms or 1s, got '-5ms'",
    ),
    (
        "bad-bandwidth",
        "node_network_chaos",
        "  bandwidth: 10mbps\n",
        "s.yaml:3 at [0].bandwidth: expected a rate such as 512kbit, 10mbit or 1gbit, got '10mbps'",
    ),
    (
        "port-out-of-range",
        "pod_network_filter",
        "  ports: [8080, 70000]\n",
        "s.yaml:3 at [0].ports[1]: must be <= 65535, got 70000",
    ),
    (
        "port-zero",
        "node_network_filter",
        "  ports: [0]\n",
        "s.yaml:3 at [0].ports[0]: must be >= 1, got 0",
    ),
    (
        "unknown-protocol",
        "pod_network_filter",
        "  protocols: [icmp]\n",
        "s.yaml:3 at [0].protocols[0]: expected one of 'tcp' or 'udp', got 'icmp'",
    ),
    (
        "bad-interface",
        "pod_network_filter",
        "  interfaces: ['eth0; reboot']\n",
        "s.yaml:3 at [0].interfaces[0]: not a network interface name: 'eth0; reboot'",
    ),
    (
        "too-long-interface",
        "node_interface_down",
        "  interfaces: [averyveryverylongname0]\n",
        "s.yaml:3 at [0].interfaces[0]: not a network interface name: 'averyveryverylongname0'",
    ),
    (
        "empty-interface",
        "pod_network_chaos",
        "  loss: 5\n  interfaces: ['']\n",
        "s.yaml:4 at [0].interfaces[0]: not a network interface name: '' (empty)",
    ),
    (
        "sixteen-byte-interface",
        "node_network_filter",
        "  interfaces: [eth0, abcdefghijklmnop]\n",
        "s.yaml:3 at [0].interfaces[1]: not a network interface name: 'abcdefghijklmnop' "
        "(16 bytes long, Linux allows at most 15)",
    ),
    (
        "colon-in-interface",
        "pod_network_filter",
        "  interfaces: ['eth0:1']\n",
        "s.yaml:3 at [0].interfaces[0]: not a network interface name: 'eth0:1' "
        "(Linux refuses ':' in a name",
    ),
    (
        "slash-in-interface",
        "node_interface_down",
        "  interfaces:\n  - eth0\n  - a/b\n",
        "s.yaml:5 at [0].interfaces[1]: not a network interface name: 'a/b' "
        "(Linux refuses '/' in a name",
    ),
    (
        "space-in-interface",
        "pod_network_filter",
        "  interfaces: ['eth 0']\n",
        "s.yaml:3 at [0].interfaces[0]: not a network interface name: 'eth 0' "
        "(Linux refuses ' ' in a name",
    ),
    (
        "no-direction",
        "pod_network_filter",
        "  ingress: false\n  egress: false\n",
        "s.yaml:1 at [0]: set ingress or egress (or both) to true",
    ),
    (
        "no-fault",
        "pod_network_chaos",
        "  loss: 0\n",
        "s.yaml:1 at [0]: set at least one of latency, loss, corruption, bandwidth",
    ),
    (
        "jitter-without-latency",
        "pod_network_chaos",
        "  jitter: 5ms\n",
        "s.yaml:1 at [0]: jitter needs a latency",
    ),
    (
        "negative-duration",
        "pod_network_filter",
        "  test_duration: -1\n",
        "s.yaml:3 at [0].test_duration: must be >= 1, got -1",
    ),
    (
        "unknown-module",
        "pod_network_magic",
        "",
        "s.yaml:1 at [0]: id must be one of pod_network_filter, node_network_filter",
    ),
]


def _first_issue(err: str) -> str:
    lines = err.splitlines()
    assert lines[0].startswith("error: invalid input ("), err
    return lines[1].strip()


@pytest.mark.parametrize(
    ("kind", "extra", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_bad_value_exits_2_naming_file_line_and_field(
    command: str,
    kind: str,
    extra: str,
    expected: str,
    workdir: Path,
    cli: Callable[..., object],
) -> None:
    (workdir / "config.yaml").write_text(CONFIG)
    (workdir / "s.yaml").write_text(HEAD.format(kind=kind) + extra)
    where = ["--kubeconfig", str(workdir / "none")] if command == "run" else []
    result = cli(command, "-c", "config.yaml", *where)
    assert result.code == 2, result  # type: ignore[attr-defined]
    assert expected in _first_issue(result.err), result.err  # type: ignore[attr-defined]
    assert not (workdir / "state" / "undertow" / "rollback").exists()


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_shaping_step_mixing_krkns_two_forms_exits_2_naming_both(
    command: str, workdir: Path, cli: Callable[..., object]
) -> None:
    (workdir / "config.yaml").write_text(
        "kraken:\n  chaos_scenarios:\n    - pod_network_scenarios: [s.yaml]\n"
    )
    (workdir / "s.yaml").write_text(
        "- id: pod_egress_shaping\n"
        "  latency: 10ms\n"
        "  config:\n"
        "    namespace: shop\n"
        "    pod_name: web-0\n"
        "    network_params: {latency: 50ms}\n"
    )
    where = ["--kubeconfig", str(workdir / "none")] if command == "run" else []
    result = cli(command, "-c", "config.yaml", *where)
    assert result.code == 2, result  # type: ignore[attr-defined]
    issue = _first_issue(result.err)  # type: ignore[attr-defined]
    assert issue.endswith(
        "s.yaml:1 at [0]: Krkn's flat form and its config: form mixed in one step: "
        "latency and config.network_params.latency; write the step in one form"
    ), issue
    assert not (workdir / "state" / "undertow" / "rollback").exists()
