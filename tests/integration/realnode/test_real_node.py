"""The real node does what a production node does: pods run, serve, restart, are limited, and
are reached through Services, through the real kubelet, containerd and kube-proxy."""

from __future__ import annotations

import os
import signal
import urllib.request
from pathlib import Path
from typing import Any

from real_pods import container_host_pid, create_ready, exec_in, real_pod, wait_for

from undertow.cluster import images

HTTPD = ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
GET = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {ip} {port}"


def _http_get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:
            body: bytes = resp.read()
            return body.decode()
    except OSError:
        return None


def test_a_pod_runs_on_the_real_node_and_serves_http(
    core: Any, namespace: str, real_node: Any
) -> None:
    pod = create_ready(core, real_pod("web", HTTPD, port=8080), namespace)
    assert pod.spec.node_name == real_node.name
    assert pod.status.pod_ip.startswith("198.18.0.")
    body = wait_for("GET from the pod", lambda: _http_get(f"http://{pod.status.pod_ip}:8080/"))
    assert body == images.INDEX_HTML.decode()


def test_exec_and_logs_go_through_the_api_server(core: Any, namespace: str) -> None:
    command = ["sh", "-c", "echo started-$(hostname); exec sleep 3600"]
    create_ready(core, real_pod("talker", command), namespace)
    out = exec_in(core, "talker", namespace, ["sh", "-c", "echo pid1=$(cat /proc/1/comm)"])
    assert out.strip() == "pid1=sleep"
    logs = wait_for(
        "the container's log",
        lambda: core.read_namespaced_pod_log("talker", namespace) or None,
    )
    assert logs.strip() == "started-talker"


def test_killing_the_main_process_restarts_the_container(
    core: Any, namespace: str, kubeconfig: str
) -> None:
    pod = create_ready(core, real_pod("victim", HTTPD, port=8080), namespace)
    assert pod.status.container_statuses[0].restart_count == 0
    os.kill(container_host_pid(kubeconfig, pod), signal.SIGKILL)

    def restarted() -> Any:
        status = core.read_namespaced_pod("victim", namespace).status.container_statuses[0]
        return status if status.restart_count >= 1 and status.ready else None

    status = wait_for("restartCount 1 and Ready again", restarted)
    assert status.last_state.terminated.exit_code == 137


def test_a_cpu_limited_pod_gets_the_limit_in_its_cgroup(core: Any, namespace: str) -> None:
    pod = create_ready(
        core, real_pod("hog", ["sh", "-c", "while :; do :; done"], cpu_limit="250m"), namespace
    )
    cgroup = Path("/sys/fs/cgroup/cpu/kubepods/burstable") / f"pod{pod.metadata.uid}"
    memory = Path("/sys/fs/cgroup/memory/kubepods/burstable") / f"pod{pod.metadata.uid}"
    assert (cgroup / "cpu.cfs_quota_us").read_text().strip() == "25000"
    assert (cgroup / "cpu.cfs_period_us").read_text().strip() == "100000"
    assert (memory / "memory.limit_in_bytes").read_text().strip() == str(32 * 1024 * 1024)
    usage = Path("/sys/fs/cgroup/cpuacct/kubepods/burstable") / f"pod{pod.metadata.uid}"
    first = int((usage / "cpuacct.usage").read_text())
    wait_for("the hog burns CPU", lambda: int((usage / "cpuacct.usage").read_text()) > first)


def test_a_cluster_ip_service_answers_from_the_host_and_from_another_pod(
    core: Any, namespace: str
) -> None:
    create_ready(core, real_pod("web", HTTPD, labels={"app": "web"}, port=8080), namespace)
    create_ready(core, real_pod("client", ["sleep", "3600"]), namespace)
    service = core.create_namespaced_service(
        namespace,
        {
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    )
    ip = service.spec.cluster_ip
    assert ip.startswith("198.19.")
    expected = images.INDEX_HTML.decode()
    assert wait_for("the ClusterIP from the host", lambda: _http_get(f"http://{ip}/")) == expected
    from_pod = wait_for(
        "the ClusterIP from another pod",
        lambda: exec_in(core, "client", namespace, ["sh", "-c", GET.format(ip=ip, port=80)]),
    )
    assert from_pod.endswith(expected)
    hairpin = exec_in(core, "web", namespace, ["sh", "-c", GET.format(ip=ip, port=80)])
    assert hairpin.endswith(expected)


def test_nothing_a_pod_sends_leaves_the_machine(core: Any, namespace: str, real_node: Any) -> None:
    create_ready(core, real_pod("prisoner", ["sleep", "3600"]), namespace)
    routes = exec_in(core, "prisoner", namespace, ["ip", "route"])
    assert "default" not in routes
    # 192.0.2.1 is TEST-NET-1: if anything were routed off the machine, this would try.
    out = exec_in(
        core,
        "prisoner",
        namespace,
        ["sh", "-c", "nc -w 2 192.0.2.1 80 </dev/null 2>&1; echo rc=$?"],
    )
    assert "Network is unreachable" in out and out.strip().endswith("rc=1")
    # The node routes for its bridge only: the host's global forwarding is as it was.
    before = dict(real_node.require_baseline().sysctls)["net/ipv4/ip_forward"]
    assert Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() == before


def test_the_tools_image_runs_the_fault_tools(core: Any, namespace: str) -> None:
    create_ready(
        core,
        real_pod("tools", ["sleep", "3600"], image=images.TOOLS, memory_limit="64Mi"),
        namespace,
    )
    versions = exec_in(
        core,
        "tools",
        namespace,
        ["sh", "-c", "tc -V; ip -V; nft --version; fallocate -V; stress-ng --version"],
    )
    for expected in ("tc utility, iproute2", "ip utility, iproute2", "nftables v", "util-linux"):
        assert expected in versions
    burn = exec_in(
        core,
        "tools",
        namespace,
        ["sh", "-c", "stress-ng --cpu 1 --timeout 1s --metrics-brief 2>&1; echo rc=$?"],
    )
    assert "successful run completed" in burn and burn.strip().endswith("rc=0")
    fill = exec_in(
        core,
        "tools",
        namespace,
        ["sh", "-c", "fallocate -l 4M /tmp/fill && stat -c %s /tmp/fill && ip route"],
    )
    assert fill.splitlines()[0] == str(4 * 1024 * 1024)


def test_the_python_image_serves_http(core: Any, namespace: str) -> None:
    command = ["python3", "-m", "http.server", "8080", "--directory", "/var/www"]
    pod = create_ready(
        core,
        real_pod("py", command, image=images.PYTHON, memory_limit="64Mi", port=8080),
        namespace,
    )
    body = wait_for("GET from python", lambda: _http_get(f"http://{pod.status.pod_ip}:8080/"))
    assert body == images.INDEX_HTML.decode()
    version = exec_in(
        core,
        "py",
        namespace,
        ["python3", "-c", "import ssl, json, sys; print(sys.version_info[:2])"],
    )
    assert version.strip() == "(3, 11)"


def test_a_claim_of_the_default_class_binds_and_mounts_on_the_real_node(
    core: Any, namespace: str
) -> None:
    core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "64Mi"}},
            },
        },
    )
    pod = real_pod("writer", ["sleep", "3600"])
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    pod["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    create_ready(core, pod, namespace)
    claim = core.read_namespaced_persistent_volume_claim("data", namespace)
    assert claim.status.phase == "Bound" and claim.spec.storage_class_name == "standard"
    out = exec_in(
        core,
        "writer",
        namespace,
        ["sh", "-c", "echo kept > /data/file && cat /data/file && df -k /data | tail -1"],
    )
    lines = out.splitlines()
    assert lines[0] == "kept"
    # The volume has a size of its own (the node's tmpfs), not the host disk's.
    assert int(lines[1].split()[1]) == 1024 * 1024
