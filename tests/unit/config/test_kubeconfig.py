"""Which kubeconfig a command uses: --kubeconfig > UNDERTOW_KUBECONFIG > the config file >
KUBECONFIG > ~/.kube/config > in-cluster; every error names the source and the way out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from undertow import exit_codes
from undertow.config import KubeconfigChoice, Overrides, choose_kubeconfig, load_settings
from undertow.errors import ConfigError


class World:
    """A config file, a home directory and an environment, in a scratch directory."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.home = root / "home"
        self.home.mkdir()
        monkeypatch.setenv("HOME", str(self.home))
        self.config = root / "config.yaml"
        self.config_kubeconfig: str | None = None

    def file(self, name: str) -> str:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("apiVersion: v1\nkind: Config\n")
        return str(path)

    def choose(
        self,
        env: Mapping[str, str] = {},
        flag: str | None = None,
    ) -> KubeconfigChoice:
        line = f"  kubeconfig_path: {self.config_kubeconfig}\n" if self.config_kubeconfig else ""
        self.config.write_text(f"kraken:\n{line}  chaos_scenarios:\n    - a: [f.yaml]\n")
        overrides = Overrides(kubeconfig=Path(flag) if flag else None)
        undertow_env = {k: v for k, v in env.items() if k.startswith("UNDERTOW_")}
        settings = load_settings(self.config, env=undertow_env, cwd=self.root, overrides=overrides)
        return choose_kubeconfig(settings.kubeconfig, env)

    def error(self, env: Mapping[str, str] = {}, flag: str | None = None) -> str:
        with pytest.raises(ConfigError) as caught:
            self.choose(env, flag)
        assert exit_codes.for_error(caught.value) == 2
        (issue,) = caught.value.issues
        return str(issue)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tmp_path, monkeypatch)


def test_the_order_is_flag_env_config_kubeconfig_home(world: World) -> None:
    flag, env_kc, conf, listed = (world.file(n) for n in ("flag", "env", "conf", "listed"))
    home = world.file("home/.kube/config")
    world.config_kubeconfig = conf
    everything = {"UNDERTOW_KUBECONFIG": env_kc, "KUBECONFIG": listed}
    assert world.choose(everything, flag=flag).path == Path(flag)
    assert world.choose(everything).path == Path(env_kc)
    assert world.choose({"KUBECONFIG": listed}).path == Path(conf)
    world.config_kubeconfig = None
    assert world.choose({"KUBECONFIG": listed}).path == Path(listed)
    chosen = world.choose({})
    assert (chosen.path, chosen.source) == (Path(home), f"{home} (the default)")


def test_without_any_kubeconfig_a_pod_uses_its_service_account(world: World) -> None:
    chosen = world.choose({"KUBERNETES_SERVICE_HOST": "10.0.0.1"})
    assert chosen.path is None
    assert chosen.hint.startswith(
        "the kubeconfig (the in-cluster service account) came from the in-cluster service account"
    )


def test_krkns_sample_default_falls_through_to_kubeconfig_with_a_notice(world: World) -> None:
    listed = world.file("listed")
    world.config_kubeconfig = "~/.kube/config"  # Krkn's sample config; no such file here
    chosen = world.choose({"KUBECONFIG": listed})
    assert (chosen.path, chosen.source) == (Path(listed), "KUBECONFIG")
    assert chosen.notice == (
        f"kraken.kubeconfig_path in {world.config}:2 is Krkn's sample default ~/.kube/config, "
        f"which does not exist here; using KUBECONFIG ({listed})"
    )
    in_pod = world.choose({"KUBERNETES_SERVICE_HOST": "10.0.0.1"})
    assert in_pod.path is None and "using the in-cluster service account" in in_pod.notice


def test_a_missing_file_named_by_the_config_is_bad_input_at_its_line(world: World) -> None:
    world.config_kubeconfig = "kc/missing"
    assert world.error({"KUBECONFIG": world.file("listed")}) == (
        f"{world.config}:2 at kraken.kubeconfig_path: kubeconfig {world.root}/kc/missing does "
        "not exist; pass --kubeconfig FILE (or set UNDERTOW_KUBECONFIG), or change "
        "kraken.kubeconfig_path"
    )


def test_a_missing_file_named_by_the_flag_or_the_environment_is_bad_input(world: World) -> None:
    assert world.error(flag="/nonexistent") == (
        "command line at --kubeconfig: kubeconfig /nonexistent does not exist; "
        "pass another --kubeconfig FILE"
    )
    assert world.error({"UNDERTOW_KUBECONFIG": "/nope"}) == (
        "environment at UNDERTOW_KUBECONFIG: kubeconfig /nope does not exist; "
        "pass --kubeconfig FILE, or change UNDERTOW_KUBECONFIG"
    )
    assert world.error({"KUBECONFIG": "/a:/b"}) == (
        "environment at KUBECONFIG: /a:/b: no such kubeconfig file; pass --kubeconfig FILE, "
        "or change KUBECONFIG"
    )


def test_nothing_found_says_what_was_tried(world: World) -> None:
    message = world.error({})
    assert message.startswith("environment: no kubeconfig: --kubeconfig, UNDERTOW_KUBECONFIG, ")
    assert f"{world.home}/.kube/config does not exist, and this is not a pod" in message
    assert message.endswith(
        "pass --kubeconfig FILE, or set KUBECONFIG, or start the local cluster with "
        "`undertow cluster up`"
    )
    world.config_kubeconfig = "~/.kube/config"
    assert world.error({}).startswith(
        f"{world.config}:2 at kraken.kubeconfig_path: kubeconfig {world.home}/.kube/config "
        "does not exist, KUBECONFIG is unset, "
    )


def test_the_hint_names_the_source_and_the_override(world: World) -> None:
    world.config_kubeconfig = world.file("conf")
    assert world.choose({}).hint == (
        f"the kubeconfig ({world.root}/conf) came from kraken.kubeconfig_path in "
        f"{world.config}:2; to use another, pass --kubeconfig FILE (or set "
        "UNDERTOW_KUBECONFIG), or change kraken.kubeconfig_path"
    )


def test_files_kubeconfig_lists_stay_paths_until_the_client_is_built(world: World) -> None:
    first, second = world.file("first"), world.file("second")
    chosen = world.choose({"KUBECONFIG": f"{first}:{second}"})
    assert (chosen.path, chosen.merged) == (Path(first), (Path(second),))
    assert chosen.described == f"{first}:{second}"  # what the client is given, as KUBECONFIG
