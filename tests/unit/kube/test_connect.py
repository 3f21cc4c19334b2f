from __future__ import annotations

from pathlib import Path

import pytest

from undertow import errors, exit_codes
from undertow.kube import ObjectRef, connect


def test_missing_explicit_kubeconfig_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigError, match="does not exist") as caught:
        connect(tmp_path / "nope")
    assert exit_codes.for_error(caught.value) == 2


def test_no_kubeconfig_and_not_in_a_cluster_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(errors.ConfigError, match="no in-cluster service account"):
        connect()


def test_unreachable_server_is_reported_with_its_address(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    from undertow.kube.retry import RetryPolicy

    with pytest.raises(errors.ClusterUnreachable, match=r"127\.0\.0\.1:1") as caught:
        connect(config, retry=RetryPolicy(attempts=1))
    assert caught.value.hint == (
        f"the kubeconfig ({config}) came from --kubeconfig; to use another, "
        "pass another --kubeconfig FILE"
    )


def test_object_refs_match_with_or_without_uid() -> None:
    pod = ObjectRef("v1", "Pod", "web", "shop")
    assert pod.same_object(ObjectRef("v1", "Pod", "web", "shop", "u1"))
    assert not ObjectRef("v1", "Pod", "web", "shop", "u2").same_object(
        ObjectRef("v1", "Pod", "web", "shop", "u1")
    )
    assert str(pod) == "Pod shop/web" and str(ObjectRef.node("n1")) == "Node n1"
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "uid": "u"},
    }
    assert ObjectRef.of(obj) == ObjectRef("v1", "Pod", "web", "shop", "u")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("clusters: [\n", "not valid YAML"),
        ("hello\n", "not a kubeconfig"),
        ("- a\n", "not a kubeconfig"),
        ("{clusters: 7, users: 5, contexts: [], current-context: x}\n", "not a kubeconfig"),
    ],
    ids=["yaml-syntax", "scalar", "list", "wrong-shapes"],
)
@pytest.mark.parametrize("context", [None, "x"])
def test_a_malformed_kubeconfig_is_bad_input_naming_the_file(
    tmp_path: Path, content: str, reason: str, context: str | None
) -> None:
    config = tmp_path / "broken.kubeconfig"
    config.write_text(content)
    with pytest.raises(errors.ClusterUnreachable) as caught:
        connect(config, context)
    assert str(caught.value).startswith(f"cannot load cluster credentials from {config}: {reason}")
    assert exit_codes.for_error(caught.value) == 2


def test_undertow_names_itself_to_the_api_server(tmp_path: Path) -> None:
    from undertow.config.kubeconfig import explicit
    from undertow.kube.connect import USER_AGENT, _api_client

    config = tmp_path / "config"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
    )
    client = _api_client(explicit(config), None)
    try:
        assert client.user_agent == USER_AGENT and USER_AGENT.startswith("undertow/")
    finally:
        client.close()
