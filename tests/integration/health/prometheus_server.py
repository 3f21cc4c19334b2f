"""A real Prometheus (Debian's `prometheus` binary) on 127.0.0.1 with its own config and data
dir, scraping one loopback exporter every second."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

SCRAPE_JOB = "undertow-test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _unavailable(message: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def query(url: str, expr: str) -> list[dict[str, object]]:
    params = urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(f"{url}/api/v1/query?{params}", timeout=5) as answer:
        result: list[dict[str, object]] = json.load(answer)["data"]["result"]
        return result


@contextmanager
def prometheus(exporter_url: str, workdir: Path) -> Iterator[str]:
    """Start Prometheus scraping `exporter_url`; yield its URL once it has scraped it."""
    binary = shutil.which("prometheus")
    if binary is None:
        _unavailable("the prometheus binary is missing (scripts/install-node-packages installs it)")
    target = urllib.parse.urlsplit(exporter_url).netloc
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"scrape_configs:\n  - job_name: {SCRAPE_JOB}\n"
        f"    static_configs:\n      - targets: ['{target}']\n"
    )
    port = _free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_scraped(url, process, workdir)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_scraped(url: str, process: subprocess.Popen[bytes], workdir: Path) -> None:
    """Until the exporter's target is up: a bounded wait on a condition, not a sleep."""
    for _ in range(600):
        if process.poll() is not None:
            log = (workdir / "prometheus.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"prometheus exited with {process.returncode}:\n{log}")
        try:
            if query(url, f'up{{job="{SCRAPE_JOB}"}} == 1'):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("prometheus never scraped the test exporter")
