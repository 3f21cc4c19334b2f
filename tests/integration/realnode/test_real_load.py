"""syn_flood_scenarios and http_load_scenarios on the real node, proven on the target: the
HTTP server counts the requests vegeta reports, an nft counter in the target pod's network
namespace counts the SYNs hping3 sent; then no generator pod is left. A run killed mid-load
leaves generators that `rollback execute` removes; bad values change nothing (exit 2).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from real_pods import container_host_pid, create_ready, exec_in, real_pod, wait_for
from test_real_faults import UndertowRun

from undertow.cluster import StateDir, images, realnode
from undertow.cluster.vegeta import ensure_vegeta
from undertow.errors import LocalClusterError
from undertow.rollback import directory
from undertow.scenarios.common.generators import GENERATOR_LABEL

COUNTING_SERVER = """
import http.server, json
seen = {"GET": 0, "POST": 0, "body": "", "type": ""}
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/count":
            return self.reply(json.dumps(seen).encode())
        seen["GET"] += 1
        self.reply(b"ok")
    def do_POST(self):
        seen["POST"] += 1
        seen["body"] = self.rfile.read(int(self.headers["Content-Length"])).decode()
        seen["type"] = self.headers["Content-Type"]
        self.reply(b"ok")
http.server.ThreadingHTTPServer(("", 8080), Handler).serve_forever()
"""
SYN_TABLE = "undertow_test_syn"


@pytest.fixture(scope="module")
def tools() -> images.Image:
    wanted = images.default_images(ensure_vegeta(lambda _m: None))
    return next(image for image in wanted if image.ref == images.TOOLS)


@pytest.fixture
def tools_image(real_node: Any, core: Any, kubeconfig: str, tools: images.Image) -> None:
    """This checkout's tools image (hping3, vegeta) on the node, imported again before each
    test: a test session of another checkout may have attached the node again meanwhile, with
    its own images (and its containerd may be restarting: then the import is tried again)."""
    for attempt in range(3):
        wait_for("the real node Ready", lambda: node_ready(core))
        try:
            realnode.import_images(StateDir(Path(kubeconfig).parent), [tools], lambda _m: None)
            return
        except LocalClusterError:
            if attempt == 2:
                raise
            time.sleep(5)


def node_ready(core: Any) -> bool:
    node = core.read_node(realnode.NODE_NAME)
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def service(core: Any, namespace: str, name: str, path: str = "/") -> str:
    """A ClusterIP Service, port 80 to the pod's 8080, once kube-proxy routes it (it may be
    catching up after the shared node was attached again); its cluster IP."""
    body = {
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    ip = str(core.create_namespaced_service(namespace, body).spec.cluster_ip)
    wait_for(f"Service {name} answering on {ip}", lambda: answers(f"http://{ip}{path}"))
    return ip


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def generators(core: Any, namespace: str) -> list[Any]:
    return list(core.list_namespaced_pod(namespace, label_selector=GENERATOR_LABEL).items)


def running_generators(core: Any, namespace: str, count: int) -> bool:
    return len([p for p in generators(core, namespace) if p.status.phase == "Running"]) == count


def scenario_metrics(report: dict[str, Any]) -> dict[str, float]:
    [scenario] = report["scenarios"]
    metrics: dict[str, float] = scenario["metrics"]
    return metrics


def in_netns(pid: int, *command: str) -> str:
    return subprocess.run(
        ["nsenter", "-t", str(pid), "-n", *command],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout


def http_load(namespace: str, url: str, *, duration: str, rate: str, pods: int) -> list[Any]:
    return [
        {
            "http_load_scenario": {
                "number-of-pods": pods,
                "namespace": namespace,
                "image": images.TOOLS,
                "attacker-nodes": {},
                "targets": {
                    "endpoints": [
                        {"url": f"{url}/hit", "method": "GET"},
                        {
                            "url": f"{url}/api",
                            "method": "POST",
                            "headers": {"Content-Type": "application/json"},
                            "body": '{"key":"value"}',
                        },
                    ]
                },
                "rate": rate,
                "duration": duration,
                "workers": 2,
                "max_workers": 4,
                "connections": 4,
                "timeout": "5s",
            }
        }
    ]


@pytest.mark.usefixtures("tools_image")
def test_http_load_reaches_the_target_and_reports_what_it_counted(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    server = real_pod("web", ["python3", "-c", COUNTING_SERVER], port=8080, image=images.PYTHON)
    create_ready(core, server, namespace)
    service(core, namespace, "web", "/count")
    # The Service's name works without cluster DNS: undertow puts its cluster IP in /etc/hosts.
    body = http_load(namespace, f"http://web.{namespace}.svc", duration="3s", rate="40/1s", pods=2)
    run = UndertowRun(tmp_path, kubeconfig, "http_load_scenarios", body)
    report = run.finish()
    assert report["passed"] == 1, run.output()
    metrics = scenario_metrics(report)
    seen = json.loads(
        exec_in(core, "web", namespace, ["wget", "-qO-", "http://127.0.0.1:8080/count"])
    )
    # Every request vegeta reports reached the server, round-robin over the two endpoints.
    assert metrics["requests"] >= 200 and metrics["success_ratio"] == 1.0
    assert seen["GET"] + seen["POST"] == metrics["requests"]
    assert abs(seen["GET"] - seen["POST"]) <= 2
    assert seen["body"] == '{"key":"value"}' and seen["type"] == "application/json"
    assert metrics["pods"] == 2 and metrics["latency_mean_ms"] > 0
    assert f"HTTP load report: {int(metrics['requests'])} requests" in run.output()
    wait_for("no generator pod left", lambda: not generators(core, namespace))


@pytest.mark.usefixtures("tools_image")
def test_a_syn_flood_reaches_the_target_port_then_leaves_nothing(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    target = create_ready(
        core, real_pod("web", ["httpd", "-f", "-p", "8080", "-h", "/var/www"], port=8080), namespace
    )
    service(core, namespace, "web")
    pid = container_host_pid(kubeconfig, target)
    # A counter in the target pod's own network namespace: gone with the pod.
    in_netns(pid, "nft", "add", "table", "inet", SYN_TABLE)
    in_netns(
        pid,
        *("nft", "add", "chain", "inet", SYN_TABLE, "input"),
        "{ type filter hook input priority 0 ; }",
    )
    in_netns(
        pid,
        *("nft", "add", "rule", "inet", SYN_TABLE, "input"),
        *("tcp", "dport", "8080", "tcp", "flags", "&", "(syn|ack)", "==", "syn", "counter"),
    )
    scenario = {
        "packet-size": 64,
        "window-size": 64,
        "duration": 3,
        "namespace": namespace,
        "target-service": "web",
        "target-service-label": "",
        "target-port": 80,
        "number-of-pods": 1,
        "image": images.TOOLS,
        "attacker-nodes": {},
        "packets-per-second": 100,
    }
    run = UndertowRun(tmp_path, kubeconfig, "syn_flood_scenarios", scenario)
    report = run.finish()
    assert report["passed"] == 1, run.output()
    sent = scenario_metrics(report)["packets_sent"]
    ruleset = json.loads(in_netns(pid, "nft", "-j", "list", "table", "inet", SYN_TABLE))
    [counter] = [
        e["counter"]["packets"]
        for item in ruleset["nftables"]
        if "rule" in item
        for e in item["rule"]["expr"]
        if "counter" in e
    ]
    assert sent >= 100, run.output()
    assert counter >= 0.9 * sent, (counter, sent)
    wait_for("no generator pod left", lambda: not generators(core, namespace))


@pytest.mark.usefixtures("tools_image")
def test_a_load_killed_with_its_runner_is_removed_by_rollback(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    server = real_pod("web", ["httpd", "-f", "-p", "8080", "-h", "/var/www"], port=8080)
    create_ready(core, server, namespace)
    ip = service(core, namespace, "web")
    body = http_load(namespace, f"http://{ip}", duration="60s", rate="2/1s", pods=2)
    run = UndertowRun(tmp_path, kubeconfig, "http_load_scenarios", body)
    run.kill_when(lambda: running_generators(core, namespace, 2))
    [listed] = directory.list_runs(run.versions)
    assert not listed.live and len(listed.pending) == 2
    [pod, _] = generators(core, namespace)
    assert pod.spec.active_deadline_seconds is not None
    run.rollback()
    wait_for("no generator pod left", lambda: not generators(core, namespace))
    [listed] = directory.list_runs(run.versions, include_executed=True)
    assert listed.pending == [] and len(listed.executed) == 2


def test_bad_values_exit_2_naming_file_line_and_field_and_create_nothing(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    load = http_load(namespace, "http://198.18.0.1", duration="3s", rate="-5/1s", pods=1)
    load[0]["http_load_scenario"]["targets"]["endpoints"][0]["method"] = "FETCH"
    flood = {"namespace": namespace, "target-service": "web", "target-port": 70000}
    (tmp_path / "load.yaml").write_text(yaml.safe_dump(load, sort_keys=False))
    (tmp_path / "flood.yaml").write_text(yaml.safe_dump(flood, sort_keys=False))
    (tmp_path / "config.yaml").write_text(
        "kraken:\n  chaos_scenarios:\n    - http_load_scenarios: [load.yaml]\n"
        "    - syn_flood_scenarios: [flood.yaml]\n"
    )
    done = subprocess.run(
        [
            *(sys.executable, "-m", "undertow", "run", "-c", str(tmp_path / "config.yaml")),
            *("--kubeconfig", kubeconfig, "--versions-dir", str(tmp_path / "versions")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    lines = (tmp_path / "load.yaml").read_text().splitlines()
    method = next(n for n, line in enumerate(lines, 1) if "FETCH" in line)
    rate = next(n for n, line in enumerate(lines, 1) if "rate:" in line)
    assert f"load.yaml:{method} at [0].http_load_scenario.targets.endpoints[0].method" in out
    assert f"load.yaml:{rate} at [0].http_load_scenario.rate" in out
    assert "flood.yaml:3 at target-port: must be <= 65535, got 70000" in out
    assert not core.list_namespaced_pod(namespace).items
