"""service_hijacking on the real node: a Krkn-format file, run by `undertow run` with no image
or placement settings, answers real HTTP requests through the Service's ClusterIP with the
plan's status, MIME type and body per step, then the real pods answer again."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from real_pods import create_ready, real_pod, wait_for

from undertow.cluster import images

STEP_S = 4
PLAN = [
    {
        "resource": "/index.html",
        "steps": {
            "GET": [
                {
                    "duration": STEP_S,
                    "status": 500,
                    "mime_type": "application/json",
                    "payload": '{"status":"internal server error"}\n',
                },
                {
                    "duration": STEP_S,
                    "status": 201,
                    "mime_type": "application/json",
                    "payload": '{"status":"resource created"}\n',
                },
            ],
            "POST": [{"status": 401, "mime_type": "text/plain", "payload": "unauthorized"}],
        },
    }
]


def _request(url: str, method: str = "GET") -> tuple[int, str, str] | None:
    """(status, content type, body); None when nothing answered."""
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=2) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()
    except OSError:
        return None


def test_the_hijacker_answers_real_requests_through_the_cluster_ip(
    core: Any, namespace: str, kubeconfig: str, tmp_path: Path
) -> None:
    httpd = ["httpd", "-f", "-p", "8080", "-h", "/var/www"]
    create_ready(core, real_pod("web", httpd, labels={"app": "web"}, port=8080), namespace)
    service = core.create_namespaced_service(
        namespace,
        {
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        },
    )
    url = f"http://{service.spec.cluster_ip}/index.html"
    original = (200, "text/html", images.INDEX_HTML.decode())
    wait_for("the Service answers", lambda: _request(url) == original)

    scenario = {
        "service_target_port": "http",
        "service_name": "web",
        "service_namespace": namespace,
        # Krkn's own image: the local cluster maps it to its python image on the real node.
        "image": "quay.io/krkn-chaos/krkn-service-hijacking:v0.1.3",
        "chaos_duration": 3 * STEP_S,
        "privileged": False,
        "plan": PLAN,
    }
    (tmp_path / "hijack.yaml").write_text(yaml.safe_dump(scenario))
    (tmp_path / "config.yaml").write_text(
        "kraken:\n  chaos_scenarios:\n    - service_hijacking_scenarios: [hijack.yaml]\n"
        "tunings: {wait_duration: 0}\n"
    )
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "undertow",
            "run",
            "-c",
            str(tmp_path / "config.yaml"),
            "--kubeconfig",
            kubeconfig,
        ],
        env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[tuple[int, str, str]] = []
    posts: set[tuple[int, str, str]] = set()
    while run.poll() is None:
        answer = _request(url)
        if answer is not None and (not seen or seen[-1] != answer):
            seen.append(answer)
        if answer is not None and answer != original:
            post = _request(url, "POST")
            if post is not None:
                posts.add(post)
        time.sleep(0.2)
    output, _ = run.communicate()
    assert run.returncode == 0, output

    hijacked = [a for a in seen if a != original]
    statuses = [a[0] for a in hijacked]
    assert statuses[:1] == [500] and 201 in statuses, seen
    first, second = hijacked[0], next(a for a in hijacked if a[0] == 201)
    assert (
        first[1].startswith("application/json")
        and first[2] == PLAN[0]["steps"]["GET"][0]["payload"]
    )
    assert (
        second[1].startswith("application/json")
        and second[2] == PLAN[0]["steps"]["GET"][1]["payload"]
    )
    assert any(p[0] == 401 and p[2] == "unauthorized" for p in posts), posts
    # Before and after: the real pods' answer.
    assert seen[0] == original
    wait_for("the real pods answer again", lambda: _request(url) == original)
    wait_for(  # deleted at the end of the run; a real pod terminates in its grace period
        "the hijacker pod gone",
        lambda: (
            not core.list_namespaced_pod(namespace, label_selector="undertow.io/hijacker").items
        ),
    )
    assert core.read_namespaced_service("web", namespace).spec.selector == {"app": "web"}
