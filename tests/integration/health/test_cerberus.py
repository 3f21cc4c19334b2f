"""Cerberus's go/no-go end to end: a real loopback server answers True or False after the
scenario; a no-go fails the run only after the scenario's changes were rolled back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from judged_runs import leftovers, run_undertow, sleep_config
from loopback import Switchable, serving


@pytest.mark.parametrize(("answer", "code"), [(b"True", 0), (b"False", 1)])
def test_go_passes_and_no_go_fails_after_rollback(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any, answer: bytes, code: int
) -> None:
    with serving(Switchable(answer)) as cerberus:
        extra = f"cerberus:\n  cerberus_enabled: true\n  cerberus_url: {cerberus.url}\n"
        done = run_undertow(sleep_config(tmp_path, namespace, extra), tmp_path, kubeconfig)
    assert done.code == code, done.output
    scenario = done.report["scenarios"][0]
    assert scenario["cerberus"]["go"] is (code == 0)
    assert [path for _, path in cerberus.requests] == ["/"]
    if code:
        assert scenario["status"] == "failed"
        assert "cerberus no-go" in scenario["error"]
        assert scenario["resiliency"]["lost"] == ["cerberus"]
    assert leftovers(api_client, namespace, tmp_path) == []


def test_routes_cerberus_saw_down_are_a_no_go(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    history = {"history": {"failures": [{"component": "route", "name": "shop"}]}}
    with serving(Switchable(b"True", {"/history": json.dumps(history).encode()})) as cerberus:
        extra = (
            f"cerberus:\n  cerberus_enabled: true\n  cerberus_url: {cerberus.url}\n"
            "  check_applicaton_routes: true\n"  # Krkn's sample config's spelling
        )
        done = run_undertow(sleep_config(tmp_path, namespace, extra), tmp_path, kubeconfig)
    assert done.code == 1, done.output
    assert done.report["scenarios"][0]["cerberus"]["failed_routes"] == ["shop"]
    assert cerberus.requests[1][1].startswith("/history?loopback=")
    assert leftovers(api_client, namespace, tmp_path) == []
