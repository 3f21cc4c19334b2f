"""container_scenarios and hog_scenarios: their spec models, and the hog pod they build."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from undertow.config.helper_pods import HelperPods
from undertow.scenarios.common.helper_pod import EXPIRY_MARGIN
from undertow.scenarios.containers import ContainerScenariosSpec
from undertow.scenarios.hogs import HogSpec
from undertow.scenarios.hogs.stress import hog_pod, node_cpus, stress_command, workers_for


def errors(model: type[BaseModel], data: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


def kill(**fields: Any) -> dict[str, Any]:
    return {"scenarios": [{"namespace": "shop", "label_selector": "app=web", **fields}]}


@pytest.mark.parametrize(
    ("action", "signal"),
    [(9, 9), ("kill 1", 1), ("kill -15", 15), ("SIGKILL", 9), ("term", 15), ("2", 2)],
)
def test_signals_in_every_form_krkn_files_use(action: object, signal: int) -> None:
    assert ContainerScenariosSpec.model_validate(kill(action=action)).scenarios[0].action == signal


@pytest.mark.parametrize("action", [0, 16, -9, "SIGFOO", "kill me", True, 9.0])
def test_unknown_signals_are_refused(action: object) -> None:
    assert [loc for loc, _ in errors(ContainerScenariosSpec, kill(action=action))] == [
        "scenarios.0.action"
    ]


def test_container_defaults_and_krkn_older_keys() -> None:
    entry = ContainerScenariosSpec.model_validate(
        {"scenarios": [{"namespace": "kube-system", "label_selector": "a=b", "retry_wait": 60}]}
    ).scenarios[0]
    assert (entry.action, entry.count, entry.expected_recovery_time) == (1, 1, 60)
    assert entry.container_name == "" and entry.signal_name == "SIGHUP"


def test_container_targets_are_checked() -> None:
    assert errors(ContainerScenariosSpec, kill(count=-1)) == [
        ("scenarios.0.count", "Input should be greater than or equal to 1")
    ]
    assert (
        "pod_names needs an explicit namespace"
        in errors(ContainerScenariosSpec, {"scenarios": [{"namespace": "*", "pod_names": ["a"]}]})[
            0
        ][1]
    )
    assert "needs a label_selector" in errors(ContainerScenariosSpec, {"scenarios": [{}]})[0][1]
    assert errors(ContainerScenariosSpec, kill(namespace="Shop"))[0][0] == "scenarios.0.namespace"
    assert errors(ContainerScenariosSpec, {"scenarios": []})[0][0] == "scenarios"


def test_hog_blank_values_mean_krkn_defaults() -> None:
    spec = HogSpec.model_validate(
        {"hog-type": "cpu", "workers": "", "number-of-nodes": "", "duration": None, "taints": []}
    )
    assert (spec.duration, spec.workers, spec.number_of_nodes) == (30, None, None)
    assert (spec.cpu_load_percentage, spec.namespace, spec.image) == (
        80,
        "default",
        "quay.io/krkn-chaos/krkn-hog",
    )
    assert spec.label_selector == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("cpu-load-percentage", 101),
        ("cpu-load-percentage", 0),
        ("duration", -1),
        ("workers", 0),
        ("number-of-nodes", -2),
        ("memory-vm-bytes", "lots"),
        ("io-block-size", "10%"),
        ("io-target-pod-folder", "hog-data"),
        ("taints", ["a=b:Never"]),
        ("node-selector", "bad key=x"),
        ("node-name", "Worker_1"),
        ("io-target-pod-volume", {"name": "v"}),
        ("cpu-load-percentage", "90"),
    ],
)
def test_bad_hog_values_name_their_field(field: str, value: object) -> None:
    assert errors(HogSpec, {"hog-type": "io", field: value})[0][0] == field


def test_hog_type_is_required_and_known() -> None:
    assert errors(HogSpec, {"duration": 5})[0][0] == "hog-type"
    assert errors(HogSpec, {"hog-type": "disk"})[0][0] == "hog-type"


def test_node_selector_map_or_string_and_taints_as_tolerations() -> None:
    spec = HogSpec.model_validate(
        {
            "hog-type": "memory",
            "node-selector": {"node-role.kubernetes.io/worker": ""},
            "taints": ["node-role.kubernetes.io/master:NoSchedule", "dedicated=chaos:NoExecute"],
        }
    )
    assert spec.label_selector == "node-role.kubernetes.io/worker="
    assert spec.tolerations == [
        {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "dedicated", "operator": "Equal", "effect": "NoExecute", "value": "chaos"},
    ]
    as_text = HogSpec.model_validate({"hog-type": "cpu", "node-selector": "zone=a"})
    assert as_text.label_selector == "zone=a"


def test_stress_commands_stop_after_the_duration() -> None:
    cpu = HogSpec.model_validate({"hog-type": "cpu", "duration": 7, "cpu-load-percentage": 40})
    assert stress_command(cpu, 2) == [
        *("stress-ng", "--cpu", "2", "--cpu-load", "40", "--cpu-method", "all"),
        *("--timeout", "7s", "--metrics-brief"),
    ]
    memory = HogSpec.model_validate({"hog-type": "memory", "memory-vm-bytes": "64m"})
    assert stress_command(memory, 1)[:7] == [
        *("stress-ng", "--vm", "1", "--vm-bytes", "64m", "--vm-keep", "--timeout")
    ]
    io = HogSpec.model_validate({"hog-type": "io"})
    assert "--temp-path" in stress_command(io, 1) and "/hog-data" in stress_command(io, 1)


def test_workers_default_to_the_node_cpus_for_a_cpu_hog_only() -> None:
    node = {"status": {"capacity": {"cpu": "3500m"}}}
    assert node_cpus(node) == 3 and node_cpus({"status": {"capacity": {"cpu": "4"}}}) == 4
    assert node_cpus({}) == 1
    assert workers_for(HogSpec.model_validate({"hog-type": "cpu"}), node) == 3
    assert workers_for(HogSpec.model_validate({"hog-type": "memory"}), node) == 1
    assert workers_for(HogSpec.model_validate({"hog-type": "cpu", "workers": 2}), node) == 2


def test_the_hog_pod_is_pinned_ends_itself_and_uses_the_mapped_image() -> None:
    spec = HogSpec.model_validate(
        {"hog-type": "io", "duration": 10, "namespace": "chaos", "taints": ["t:NoSchedule"]}
    )
    helpers = HelperPods(
        images={"quay.io/krkn-chaos/krkn-hog": "undertow.local/tools:local"},
        node_selector={"undertow.io/real-node": "true"},
        tolerations=({"key": "undertow.io/real-node", "operator": "Exists"},),
    )
    pod = hog_pod(spec, "undertow-io-hog-1", "worker-2", 1, helpers)
    body = pod["spec"]
    assert pod["metadata"]["namespace"] == "chaos"
    assert body["restartPolicy"] == "Never"
    assert body["activeDeadlineSeconds"] == 10 + EXPIRY_MARGIN
    terms = body["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchFields"][0]["values"] == ["worker-2"]
    assert "nodeSelector" not in body  # the pod goes to the chosen node, not the helpers' node
    assert [t["key"] for t in body["tolerations"]] == ["t", "undertow.io/real-node"]
    container = body["containers"][0]
    assert container["image"] == "undertow.local/tools:local"
    assert container["command"][container["command"].index("--timeout") + 1] == "10s"
    assert container["volumeMounts"] == [{"name": "node-volume", "mountPath": "/hog-data"}]
    assert body["volumes"] == [{"name": "node-volume", "hostPath": {"path": "/tmp"}}]


def test_a_signal_record_is_undone_as_a_record_without_a_cluster(tmp_path: Any) -> None:
    from undertow.rollback.entry import JournalEntry
    from undertow.undo.outcome import FORMAT, NOTHING_TO_UNDO
    from undertow.undo.verbs import undo

    data = {
        "format": FORMAT,
        "action": "signalled_container",
        "description": "nothing to undo: record of signal 15 sent to container web",
        "target": {"api_version": "v1", "kind": "Pod", "name": "web-1", "namespace": "shop"},
        "container": "web",
        "signal": 15,
    }

    def no_cluster() -> Any:
        raise AssertionError("a record needs no cluster")

    result = undo(no_cluster, data)
    assert result.outcome == NOTHING_TO_UNDO and "container web of Pod shop/web-1" in result.detail
    entry = JournalEntry(path=tmp_path / "x.py", name=None, run_id="r", data=data)  # type: ignore[arg-type]
    assert entry.record_only
