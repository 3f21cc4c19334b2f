"""A Krkn config that lists implemented and unimplemented scenario types, through
`undertow-run-kraken`. Krkn runs every type it knows; undertow refuses the config as bad
input before touching the cluster (deliberately stricter, see the migration guide), unless
`--skip-unsupported`, which runs the rest and names each skipped file everywhere.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from krkn_pipeline import KRKN_BAD_INPUT, Pipeline, create_app, ready_pods, workloads

# Krkn's Arcaflow scenarios: a type undertow does not implement.
ARCAFLOW = {"input_file": "input.yaml", "workflow_file": "workflow.yaml"}


@pytest.fixture
def pipeline(tmp_path: Path, kubeconfig: str, namespace: str) -> Pipeline:
    pipeline = Pipeline(tmp_path, kubeconfig)
    pods = {
        "namespace_pattern": f"^{namespace}$",
        "label_selector": "app=web",
        "kill": 1,
        "krkn_pod_recovery_time": 30,
    }
    pipeline.write(
        [
            ("pod_disruption_scenarios", "pod.yaml", [{"id": "kill-pods", "config": pods}]),
            ("arcaflow_scenarios", "arcaflow.yaml", ARCAFLOW),
        ]
    )
    return pipeline


def test_an_unimplemented_type_is_bad_input_and_nothing_is_touched(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    pods = create_app(api_client, namespace, "web", 2)
    objects = workloads(api_client, namespace)
    done = pipeline.run()
    assert done.code == KRKN_BAD_INPUT, done
    assert (
        f"{pipeline.where('scenarios/arcaflow.yaml')} at "
        "kraken.chaos_scenarios[1].arcaflow_scenarios[0]: "
        "arcaflow_scenarios is a Krkn scenario type undertow does not implement" in done.output
    )
    assert "--skip-unsupported" in done.output
    assert ready_pods(api_client, namespace, "app=web") == pods
    assert workloads(api_client, namespace) == objects
    assert not pipeline.state.exists()  # no journal, no rollback context
    assert "deleted pod" not in done.log


def test_skip_unsupported_runs_the_rest_and_names_the_skipped_file_in_every_report(
    pipeline: Pipeline, api_client: Any, namespace: str
) -> None:
    create_app(api_client, namespace, "web", 2)
    done = pipeline.run("--skip-unsupported")
    assert done.code == 0, done
    where = pipeline.where("scenarios/arcaflow.yaml")
    skipped = (
        "skip  arcaflow_scenarios: scenarios/arcaflow.yaml (a Krkn scenario type undertow "
        f"does not implement; {where})"
    )
    assert skipped in done.output.splitlines()
    assert f"[INFO] deleted pod {namespace}/web-" in done.log
    logged = (
        "[WARNING] arcaflow_scenarios: scenarios/arcaflow.yaml skipped (a Krkn scenario type "
        f"undertow does not implement); named at {where}"
    )
    assert logged in done.log  # the -o file, also Krkn's JUnit failure text when one fails

    report = json.loads((pipeline.reports / "report.json").read_text())
    assert [(s["scenario_type"], s["status"]) for s in report["scenarios"]] == [
        ("pod_disruption_scenarios", "passed"),
        ("arcaflow_scenarios", "skipped"),
    ]
    assert report["scenarios"][1]["written"] == "scenarios/arcaflow.yaml"
    assert (report["passed"], report["failed"], report["skipped"]) == (1, 0, 1)

    html = (pipeline.reports / "report.html").read_text()
    table = html[html.index('<section id="skipped">') :]
    table = table[: table.index("</section>")]
    assert '<td class="mono">scenarios/arcaflow.yaml</td>' in table
    assert '<td class="mono">arcaflow_scenarios</td>' in table
    assert "a Krkn scenario type undertow does not implement" in table

    suite = ET.parse(pipeline.reports / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "1"
    [case] = [c for c in suite.iter("testcase") if c.find("skipped") is not None]
    assert case.get("classname") == "arcaflow_scenarios"
    assert str(case.get("name")).endswith("scenarios/arcaflow.yaml")
