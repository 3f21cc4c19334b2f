"""network_chaos_ng_scenarios on the real node, proven by their effect: a port filter makes
requests to a pod fail (pod IP and Service) and succeed after; random loss measured by a
probe pod falls in the configured range; a bandwidth limit slows a transfer. After each,
the target's nftables ruleset and qdiscs read from the host are what they were before. A
run killed mid-fault is rolled back by `rollback execute`; with nobody coming back the
helper removes its rules by itself. Node modules are refused on this node: it shares the
host's network namespace.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from real_pods import create_ready, exec_in, real_pod, wait_for
from test_real_faults import UndertowRun

from undertow.cluster import images, realnode
from undertow.rollback import directory
from undertow.scenarios.network.script import SELF_UNDO_MARGIN

NETWORK = "network_chaos_ng_scenarios"
HELPER_LABEL = "undertow.io/network-fault"
HTTPD = ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
SIZE = 384 * 1024
SERVER = [
    "sh",
    "-c",
    f"mkdir /tmp/www && cp /var/www/index.html /tmp/www/ && "
    f"dd if=/dev/zero of=/tmp/www/big bs=1024 count={SIZE // 1024} 2>/dev/null && "
    "exec httpd -f -p 8080 -h /tmp/www",
]


def module(kind: str, namespace: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": kind,
        "image": images.TOOLS,
        "wait_duration": 0,
        "test_duration": 8,
        "label_selector": "app=web",
        "namespace": namespace,
        "instance_count": 1,
        "execution": "parallel",
        **fields,
    }


def _started(pid: int) -> int:
    """When the process started (clock ticks since boot): pids wrap, start times do not."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[19])


def pod_process(pod: Any) -> int:
    """The oldest host process of the pod (its sandbox's: it lives as long as the pod's network
    namespace, unlike httpd's per-connection children); its cgroup names the pod's uid."""
    wanted = f"pod{pod.metadata.uid}"
    found = []
    for cgroup in Path("/proc").glob("[0-9]*/cgroup"):
        try:
            if wanted in cgroup.read_text():
                pid = int(cgroup.parent.name)
                found.append((_started(pid), pid))
        except OSError:
            continue
    assert found, f"no process of pod {pod.metadata.name}"
    return min(found)[1]


def netns_state(pod: Any) -> str:
    """The pod's nftables ruleset and qdiscs, read from the host."""
    enter = ["nsenter", "-t", str(pod_process(pod)), "-n"]
    return "".join(
        subprocess.run(
            [*enter, *command], capture_output=True, text=True, check=True, timeout=30
        ).stdout
        for command in (["nft", "list", "ruleset"], ["tc", "qdisc", "show"])
    )


def get(core: Any, namespace: str, address: str, port: int) -> str:
    request = f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {address} {port} | tail -1"
    return exec_in(core, "client", namespace, ["sh", "-c", request])


def summary(tmp: Path) -> str:
    """Why the run's one scenario ended as it did (its report's summary and error)."""
    [result] = json.loads((tmp / "reports" / "report.json").read_text())["scenarios"]
    return f"{result['summary']} {result['error']}"


def helpers(core: Any, namespace: str) -> list[Any]:
    return core.list_namespaced_pod(namespace, label_selector=HELPER_LABEL).items


def assert_left_as_before(core: Any, namespace: str, pod: Any, before: str, run: Path) -> None:
    """How every network test ends: the target's nftables ruleset and qdiscs as they were,
    no helper pod left, no journal entry of the run in `run` left pending."""
    assert netns_state(pod) == before
    wait_for("no helper left", lambda: not helpers(core, namespace))
    assert not list(run.glob("versions/*/*.py")), "a journal entry is left pending"


@pytest.fixture
def web(core: Any, namespace: str) -> dict[str, Any]:
    return serve_web(core, namespace)


def serve_web(core: Any, namespace: str) -> dict[str, Any]:
    """A web pod (httpd :8080, a byte source :9000), its Service (:80) and a client pod."""
    server = create_ready(core, real_pod("web", SERVER, port=8080), namespace)
    create_ready(core, real_pod("client", ["sleep", "3600"]), namespace)
    core.create_namespaced_service(
        namespace,
        {
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    )
    service_ip = core.read_namespaced_service("web", namespace).spec.cluster_ip
    wait_for("the Service answers", lambda: "hello" in get(core, namespace, service_ip, 80))
    return {"pod": server, "ip": server.status.pod_ip, "service": service_ip}


def test_a_port_filter_blocks_requests_then_lets_them_through(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [
        module(
            "pod_network_filter",
            namespace,
            ingress=True,
            egress=False,
            ports=[8080],
            protocols=["tcp"],
            test_duration=15,
        )
    ]
    run = UndertowRun(tmp_path, kubeconfig, NETWORK, scenario)
    wait_for("the filter in place", lambda: "undertow_" in netns_state(web["pod"]))
    assert "hello" not in get(core, namespace, web["ip"], 8080)
    assert "hello" not in get(core, namespace, web["service"], 80)
    report = run.finish()
    assert report["passed"] == 1, run.output()
    assert "hello" in get(core, namespace, web["ip"], 8080)
    assert "hello" in get(core, namespace, web["service"], 80)
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)
    [injected] = [e for e in report["events"] if e["kind"] == "network.injected"]
    assert "th dport { 8080 } drop" in injected["data"]["rules"]


def pings_lost_at_40_percent(core: Any, namespace: str, web: dict[str, Any]) -> int:
    """Once a 40% loss rule is in place, how many of 150 pings from the client pod are lost:
    checked to be in range."""
    wait_for("the loss rule in place", lambda: "numgen" in netns_state(web["pod"]))
    out = exec_in(
        core, "client", namespace, ["ping", "-c", "150", "-i", "0.1", "-W", "1", web["ip"]]
    )
    counted = re.search(r"(\d+) packets received", out)
    assert counted, out
    dropped = 150 - int(counted.group(1))
    # 40% of 150 echo requests dropped: 60 expected; binomial sd 6, so 30..95 is > 5 sd wide.
    assert 30 <= dropped <= 95, out
    return dropped


def test_random_loss_measured_by_a_probe_pod_is_in_range(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [
        module(
            "pod_network_chaos", namespace, ingress=True, egress=False, loss=40, test_duration=40
        )
    ]
    run = UndertowRun(tmp_path, kubeconfig, NETWORK, scenario)
    print(f"loss 40%: {pings_lost_at_40_percent(core, namespace, web)} of 150 pings dropped")
    assert run.finish()["passed"] == 1, run.output()
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)


def transfer_rate(core: Any, namespace: str, address: str) -> float:
    """Bytes per second of one 384 KiB HTTP download from the web pod, timed in the client."""
    command = (
        "a=$(cut -d' ' -f1 /proc/uptime); "
        f"n=$(printf 'GET /big HTTP/1.0\\r\\n\\r\\n' | nc -w 30 {address} 8080 | wc -c); "
        "b=$(cut -d' ' -f1 /proc/uptime); echo $n $a $b"
    )
    size, start, end = exec_in(core, "client", namespace, ["sh", "-c", command]).split()[-3:]
    assert int(size) > SIZE, size  # the file and the response's headers
    return int(size) / max(float(end) - float(start), 0.01)


def rate_at_1mbit(core: Any, namespace: str, web: dict[str, Any], free: float) -> float:
    """Once a 1mbit limit is in place (its htb qdisc), a transfer's rate: checked to be near
    1mbit and far below `free`, the rate measured before."""
    wait_for("the htb qdisc in place", lambda: "htb 100:" in netns_state(web["pod"]))
    limited = transfer_rate(core, namespace, web["ip"])
    # 1mbit is 125 kB/s: generous bounds either side, and far below the free rate.
    assert limited < 250_000 and limited * 5 < free, (limited, free)
    return limited


def test_a_bandwidth_limit_slows_a_transfer(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    free = transfer_rate(core, namespace, web["ip"])
    scenario = [
        module(
            "pod_network_chaos",
            namespace,
            ingress=False,
            egress=True,
            bandwidth="1mbit",
            test_duration=30,
        )
    ]
    run = UndertowRun(tmp_path, kubeconfig, NETWORK, scenario)
    limited = rate_at_1mbit(core, namespace, web, free)
    print(f"transfer: {free:.0f} B/s free, {limited:.0f} B/s at 1mbit")
    assert run.finish()["passed"] == 1, run.output()
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)


def test_latency_is_refused_early_on_a_kernel_without_netem(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [module("pod_network_chaos", namespace, latency="50ms")]
    run = UndertowRun(tmp_path, kubeconfig, NETWORK, scenario)
    assert run.proc.wait(timeout=180) == 1, run.output()
    assert "kernel has no netem" in summary(tmp_path)
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)


def test_a_run_killed_mid_filter_is_rolled_back_by_rollback_execute(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    scenario = [module("pod_network_filter", namespace, ports=[8080], test_duration=120)]
    run = UndertowRun(tmp_path, kubeconfig, NETWORK, scenario)
    run.kill_when(lambda: "undertow_" in netns_state(web["pod"]))
    assert "hello" not in get(core, namespace, web["ip"], 8080)
    [listed] = directory.list_runs(run.versions)
    assert len(listed.pending) == 2  # the helper pod, the rules in the target
    out = run.rollback()
    assert "revert_in_helper" in out or "restored" in out, out
    assert "hello" in get(core, namespace, web["ip"], 8080)
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)
    [listed] = directory.list_runs(run.versions, include_executed=True)
    assert len(listed.executed) == 2


def test_with_nobody_coming_back_the_helper_removes_its_rules(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path, web: dict[str, Any]
) -> None:
    before = netns_state(web["pod"])
    duration = 5
    scenario = [module("pod_network_filter", namespace, ports=[8080], test_duration=duration)]
    run = UndertowRun(tmp_path, kubeconfig, NETWORK, scenario)
    run.kill_when(lambda: "undertow_" in netns_state(web["pod"]))
    wait_for(
        "the rules gone by themselves",
        lambda: netns_state(web["pod"]) == before,
        deadline_s=duration + SELF_UNDO_MARGIN + 30,
    )
    assert "hello" in get(core, namespace, web["ip"], 8080)
    wait_for(
        "the helper finished",
        lambda: all(h.status.phase == "Succeeded" for h in helpers(core, namespace)),
    )
    run.rollback()  # removes the finished helper
    assert_left_as_before(core, namespace, web["pod"], before, tmp_path)


def test_node_modules_are_refused_on_a_node_sharing_the_hosts_network(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    wait_for(
        "the real node registered",
        lambda: core.list_node(field_selector=f"metadata.name={realnode.NODE_NAME}").items,
    )
    scenario = [
        module(
            "node_network_filter",
            namespace,
            label_selector="",
            target=realnode.NODE_NAME,
            ports=[2309],
            taints=[f"{realnode.REAL_NODE_LABEL}=true:NoSchedule"],
        )
    ]
    run = UndertowRun(tmp_path, kubeconfig, NETWORK, scenario)
    assert run.proc.wait(timeout=120) == 1, run.output()
    assert "shares the network namespace of the machine undertow runs on" in summary(tmp_path)
    assert not core.list_namespaced_pod(namespace).items
    assert not list(tmp_path.glob("versions/*/*.py"))
