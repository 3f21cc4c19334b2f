"""Bad input never reaches the cluster, as the API server itself records it.

Every case of the bad-input corpus (tests/unit/cli/test_bad_input.py: each scenario type,
wrong types, out-of-range values, unknown fields, names Kubernetes would reject, missing
files) and a few bad kubeconfigs are run through a real `undertow run` whose kubeconfig
reaches a live cluster. Each must exit 2 naming its file and field; then the API server's
audit log (every local cluster writes one: docs/local-cluster.md) must hold no mutating
request from undertow's user agent. A valid run at the end proves the log does see them.

The session cluster is used when it writes an audit log; a shared cluster started before
that (UNDERTOW_TEST_KUBECONFIG) does not, so then a kwok-only `undertow-audit` cluster is
started for this module and brought down after it. The counts (cases tried, mutations seen)
are recorded as a `reliability` property in the JUnit XML for scripts/reliability_report.py.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import hypothesis
import pytest
import yaml

from undertow import cluster
from undertow.cluster.components import audit_log
from undertow.cluster.state import StateDir
from undertow.commands.validate import validate
from undertow.errors import ConfigError
from undertow.kube.connect import USER_AGENT

pytestmark = pytest.mark.timeout(900)

MUTATING = {"create", "update", "patch", "delete", "deletecollection"}
UNIT_CLI = Path(__file__).parents[2] / "unit" / "cli"
FUZZED_RUNS = 20
"""Fuzzed bad scenario files (tests/unit/cli/test_input_fuzz.py's mutations) run for real."""


def _load(name: str, file: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


CORPUS = _load("bad_input_corpus", UNIT_CLI / "test_bad_input.py")
FUZZ = _load("input_fuzz", UNIT_CLI / "test_input_fuzz.py")


@dataclass(frozen=True)
class Audited:
    kubeconfig: Path
    log: Path
    username: str
    """The identity the test's runs use: other runs on a shared cluster are not counted."""


@pytest.fixture(scope="module")
def audited(local_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Audited]:
    session_kubeconfig = Path(local_cluster.kubeconfig)
    session_log = audit_log(StateDir(session_kubeconfig.parent))
    if session_log.exists():
        with _own_identity(session_kubeconfig, tmp_path_factory.mktemp("identity")) as own:
            yield Audited(own[0], session_log, own[1])
        return
    root = tmp_path_factory.mktemp("audit-cluster")
    spec = cluster.ClusterSpec(name="undertow-audit", nodes=1, zones=1, state_root=root)
    try:
        info = cluster.up(spec)
        with _own_identity(info.kubeconfig, root) as own:
            yield Audited(own[0], audit_log(StateDir(info.state_dir)), own[1])
    finally:
        cluster.down(spec.name, state_root=root)


@contextlib.contextmanager
def _own_identity(admin_kubeconfig: Path, scratch: Path) -> Iterator[tuple[Path, str]]:
    """A kubeconfig with a ServiceAccount token of this module's own (bound to cluster-admin,
    as the admin kubeconfig is), and its user name as the audit log records it."""
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=str(admin_kubeconfig))
    core, rbac = client.CoreV1Api(api), client.RbacAuthorizationV1Api(api)
    name = f"undertow-audit-{uuid.uuid4().hex[:6]}"
    core.create_namespace({"metadata": {"name": name}})
    try:
        core.create_namespaced_service_account(name, {"metadata": {"name": "runner"}})
        rbac.create_cluster_role_binding(
            {
                "metadata": {"name": name},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": "cluster-admin",
                },
                "subjects": [{"kind": "ServiceAccount", "name": "runner", "namespace": name}],
            }
        )
        granted = core.create_namespaced_service_account_token(
            "runner", name, {"spec": {"expirationSeconds": 3600}}
        )
        admin = yaml.safe_load(admin_kubeconfig.read_text("utf-8"))
        own = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "local", "cluster": admin["clusters"][0]["cluster"]}],
            "users": [{"name": "runner", "user": {"token": granted.status.token}}],
            "contexts": [{"name": "runner", "context": {"cluster": "local", "user": "runner"}}],
            "current-context": "runner",
        }
        path = scratch / "runner.kubeconfig"
        path.write_text(json.dumps(own))
        yield path, f"system:serviceaccount:{name}:runner"
    finally:
        with contextlib.suppress(Exception):
            rbac.delete_cluster_role_binding(name)
        with contextlib.suppress(Exception):
            core.delete_namespace(name)
        api.close()


def undertow_mutations(audited: Audited, since: int) -> list[dict[str, Any]]:
    """The mutating requests undertow's user agent made as the test's identity, as the audit
    log records them after byte `since` (the session cluster's log also holds other runs)."""
    log = audited.log
    with log.open("rb") as file:
        file.seek(since if since <= log.stat().st_size else 0)  # rotated: all of the new log
        text = file.read().decode("utf-8")
    found = []
    for line in text.splitlines():
        event = json.loads(line)
        if (
            event.get("userAgent", "").startswith(USER_AGENT)
            and event.get("user", {}).get("username") == audited.username
            and event.get("verb") in MUTATING
        ):
            found.append(event)
    return found


def undertow_run(
    workdir: Path, config: str, kubeconfig: Path | str, *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNDERTOW_")}
    clean.pop("KUBECONFIG", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "undertow",
            "run",
            "-c",
            config,
            "--kubeconfig",
            str(kubeconfig),
            *args,
        ],
        cwd=workdir,
        env={**clean, "XDG_STATE_HOME": str(workdir / "state"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


GOOD = {"config.yaml": CORPUS.native(), "s.yaml": CORPUS.GOOD_SLEEP}
BAD_KUBECONFIGS = {
    "kubeconfig-missing": ("absent.kubeconfig", None, "absent.kubeconfig"),
    "kubeconfig-not-yaml": ("bad.kubeconfig", "clusters: [\n", "bad.kubeconfig"),
    "kubeconfig-no-contexts": (
        "empty.kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n",
        "empty.kubeconfig",
    ),
}
"""Bad kubeconfigs for a valid config: (file given, its content or None for missing, named)."""


def test_no_bad_input_mutates_the_cluster(
    audited: Audited, tmp_path: Path, record_testsuite_property: Callable[[str, object], None]
) -> None:
    since = audited.log.stat().st_size
    failures: list[str] = []
    tried = 0
    for case in CORPUS.CASES:
        workdir = tmp_path / case.id
        workdir.mkdir()
        CORPUS._write(workdir, case.files)
        done = undertow_run(
            workdir, case.config, audited.kubeconfig, *case.args, env=dict(case.env)
        )
        expected = f"  {CORPUS._expected(case, workdir)}"
        if done.returncode != 2 or expected not in done.stderr.splitlines():
            failures.append(f"{case.id}: exit {done.returncode}\n{done.stderr}")
        tried += 1
    for name, (given, content, named) in BAD_KUBECONFIGS.items():
        workdir = tmp_path / name
        workdir.mkdir()
        CORPUS._write(workdir, GOOD)
        if content is not None:
            (workdir / given).write_text(content)
        done = undertow_run(workdir, "config.yaml", given, env={})
        if done.returncode != 2 or named not in done.stderr:
            failures.append(f"{name}: exit {done.returncode}\n{done.stderr}")
        tried += 1

    mutations = undertow_mutations(audited, since)
    record_testsuite_property(
        "reliability",
        json.dumps(
            {
                "section": "bad_input",
                "tried": tried,
                "exit_2_naming_file_and_field": tried - len(failures),
                "mutations": len(mutations),
            }
        ),
    )
    assert failures == []
    assert mutations == []
    assert tried == len(CORPUS.CASES) + len(BAD_KUBECONFIGS)


def _fuzzed_bad_specs(count: int) -> list[tuple[str, Any]]:
    """`count` mutated scenario files that `validate` rejects: every builtin type's first
    one, then every type's second one, and so on."""
    per_type = [_rejected_mutations(t, 2) for t in sorted(FUZZ.SPEC_EXAMPLES)]
    rounds = [found[i] for i in range(2) for found in per_type if i < len(found)]
    return rounds[:count]


def _rejected_mutations(scenario_type: str, count: int) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    config = yaml.safe_dump(FUZZ._config_for(scenario_type))

    @hypothesis.settings(max_examples=30, deadline=None, derandomize=True, database=None)
    @hypothesis.given(spec=FUZZ.mutated(FUZZ._spec(scenario_type)))
    def collect(spec: Any) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            root.joinpath("config.yaml").write_text(config)
            root.joinpath("s.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
            try:
                validate(root / "config.yaml", env={})
            except ConfigError:
                if len(found) < count:
                    found.append((scenario_type, spec))

    collect()
    return found


def test_no_fuzzed_bad_input_mutates_the_cluster(
    audited: Audited, tmp_path: Path, record_testsuite_property: Callable[[str, object], None]
) -> None:
    specs = _fuzzed_bad_specs(FUZZED_RUNS)
    since = audited.log.stat().st_size
    failures = []
    for index, (scenario_type, spec) in enumerate(specs):
        workdir = tmp_path / f"fuzz-{index}"
        workdir.mkdir()
        (workdir / "config.yaml").write_text(yaml.safe_dump(FUZZ._config_for(scenario_type)))
        (workdir / "s.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
        done = undertow_run(workdir, "config.yaml", audited.kubeconfig, env={})
        named = any(line.startswith(f"  {workdir}/s.yaml") for line in done.stderr.splitlines())
        if done.returncode != 2 or not named or "Traceback" in done.stderr:
            failures.append(f"{scenario_type} {spec!r}: exit {done.returncode}\n{done.stderr}")
    mutations = undertow_mutations(audited, since)
    record_testsuite_property(
        "reliability",
        json.dumps(
            {
                "section": "bad_input_fuzzed",
                "tried": len(specs),
                "exit_2_naming_file_and_field": len(specs) - len(failures),
                "mutations": len(mutations),
            }
        ),
    )
    assert failures == []
    assert mutations == []
    assert len(specs) == FUZZED_RUNS


def test_the_audit_log_sees_undertows_changes(audited: Audited, tmp_path: Path) -> None:
    """The control: a valid run that creates (and rolls back) a ConfigMap shows up."""
    namespace = "default"
    CORPUS._write(
        tmp_path,
        {
            "config.yaml": CORPUS.native(),
            "s.yaml": f"sleep:\n  duration: 0\n  configmap_namespace: {namespace}\n"
            "  outcome: fail\n",
        },
    )
    since = audited.log.stat().st_size
    undertow_run(tmp_path, "config.yaml", audited.kubeconfig, env={})
    seen = {
        (e["verb"], e["objectRef"].get("resource"))
        for e in undertow_mutations(audited, since)
        if e["objectRef"].get("namespace") == namespace
    }
    assert {("create", "configmaps"), ("delete", "configmaps")} <= seen
