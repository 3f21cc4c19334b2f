"""What `undertow run` does first with the pending entries of dead earlier runs: it lists
each target (verb, kind, namespace/name), then undoes them (rollback.auto or --yes) and says
what each did, or refused and why; with rollback.auto off and no --yes it injects nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tamper import alter_undo
from test_run import configmaps, finish, setup, undertow


def _pending(tmp_path: Path) -> Path:
    (path,) = (tmp_path / "state" / "undertow" / "rollback").rglob("*.py")
    return path


def _leave_one_pending(tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any) -> str:
    """A run with rollback off fails and leaves its ConfigMap pending; its name."""
    config = setup(tmp_path, namespace, outcome="fail", auto=False)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 1, output
    (name,) = configmaps(api_client, namespace)
    return name


def _flat(output: str) -> str:
    return " ".join(output.split())


def test_with_rollback_off_the_next_run_lists_the_targets_and_injects_nothing(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    name = _leave_one_pending(tmp_path, kubeconfig, namespace, api_client)
    config = setup(tmp_path, namespace, outcome="pass", auto=False)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 3, output
    assert f"to undo: delete_created ConfigMap {namespace}/{name}" in _flat(output)
    assert "undertow rollback execute --run" in _flat(output) and "--yes" in output
    assert configmaps(api_client, namespace) == [name]  # untouched, and nothing new injected
    assert _pending(tmp_path).exists()

    code, output = finish(
        undertow("run", "-c", str(config), "--yes", kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 0, output
    assert f"to undo: delete_created ConfigMap {namespace}/{name}" in _flat(output)
    assert f"restored: deleted ConfigMap {namespace}/{name}" in _flat(output)
    assert configmaps(api_client, namespace) == []


def test_an_entry_with_an_empty_selector_is_shown_refused_and_deletes_nothing(
    tmp_path: Path, kubeconfig: str, namespace: str, api_client: Any
) -> None:
    from kubernetes import client

    core = client.CoreV1Api(api_client)
    _leave_one_pending(tmp_path, kubeconfig, namespace, api_client)
    for i in range(3):
        core.create_namespaced_secret(namespace, {"metadata": {"name": f"s{i}"}})
    path = _pending(tmp_path)

    def aim_at_every_secret(data: dict[str, Any]) -> None:
        data["target"] = {**data["target"], "kind": "Secret", "name": "", "uid": None}
        data["labels"] = {}

    alter_undo(path, aim_at_every_secret)
    config = setup(tmp_path, namespace, outcome="pass", auto=True)
    code, output = finish(
        undertow("run", "-c", str(config), kubeconfig=kubeconfig, tmp_path=tmp_path)
    )
    assert code == 3, output
    flat = _flat(output)
    assert f"to undo: delete_created Secret {namespace}/" in flat
    assert "refused" in flat and "no run and entry label" in flat
    secrets = [s.metadata.name for s in core.list_namespaced_secret(namespace).items]
    assert {"s0", "s1", "s2"} <= set(secrets)
    assert path.exists()
    assert len(configmaps(api_client, namespace)) == 1  # nothing new was injected
