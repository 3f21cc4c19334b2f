"""Version files written by earlier undertows (kept verbatim in tests/data/rollback) are
still listed and executed: their code part differs from today's, but it is a known
undertow release's, and undertow only reads their data (it never runs their code).

Three earlier templates: the first (`legacy*`: before undos that need no cluster stopped
connecting first), the second (`script*`: one embedded module, `undertow.rollback.undo`,
with PEP 723 script metadata) and the third (`module*`: the `undertow.undo` package, before
the verbs checked that the data is their run's), each with a Kubernetes undo and a cloud
undo."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import sys
from pathlib import Path

import pytest
from cloud_fakes import fake_boto3

from undertow import undo
from undertow.commands.rollback import rollback_execute
from undertow.kube import KubeApi
from undertow.rollback import directory, signing, template
from undertow.testing import sign_version_file

OLD = Path(__file__).parents[2] / "data" / "rollback"
OLD_CONFIGMAP = OLD / "application_outages_scenarios_1755488221668750000_legacycm.py"
OLD_INSTANCE = OLD / "node_scenarios_1755488222000000000_legacyec.py"
PEP723_CONFIGMAP = OLD / "application_outages_scenarios_1756800600000000000_scriptcm.py"
PEP723_INSTANCE = OLD / "node_scenarios_1756800601000000000_scriptec.py"
PACKAGE_CONFIGMAP = OLD / "application_outages_scenarios_1763000000000000000_modulecm.py"
PACKAGE_INSTANCE = OLD / "node_scenarios_1763000001000000000_moduleec.py"
TEMPLATES = {
    "first": (OLD_CONFIGMAP, OLD_INSTANCE),
    "second": (PEP723_CONFIGMAP, PEP723_INSTANCE),
    "third": (PACKAGE_CONFIGMAP, PACKAGE_INSTANCE),
}


def dead_context(versions_dir: Path, *files: Path) -> Path:
    """A dead run's context holding signed copies of `files` (0600, like undertow writes them;
    files from before version files were signed are signed here, as if by the same user)."""
    context = versions_dir / "1755488221000000000-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    context.mkdir(mode=0o700, parents=True)
    versions_dir.chmod(0o700)
    for file in files:
        shutil.copyfile(file, context / file.name)
        (context / file.name).chmod(0o600)
        sign_version_file(context / file.name)
    return context


def _api_server_is_down() -> KubeApi:
    raise AssertionError("this undo needs no cluster, yet it connected")


def test_the_old_files_are_really_from_three_other_templates() -> None:
    codes = {template.split(file.read_text())[1] for files in TEMPLATES.values() for file in files}
    assert not any("undertow-mac" in code for code in codes)
    assert len(codes) == 3
    assert template.code_part() not in codes


def test_old_files_of_both_templates_are_listed(tmp_path: Path) -> None:
    dead_context(tmp_path / "v", *(file for files in TEMPLATES.values() for file in files))
    [run] = directory.list_runs(tmp_path / "v")
    assert not run.live
    assert [(f.undo, f.problem) for f in run.pending] == [
        ("start aws instance i-0package (node worker-2) stopped by undertow", None),
        ("delete ConfigMap undertow-compat-format1/package created by undertow", None),
        ("start aws instance i-0pep723 (node worker-2) stopped by undertow", None),
        ("delete ConfigMap undertow-compat-format1/pep723 created by undertow", None),
        ("start aws instance i-0legacy (node worker-1) stopped by undertow", None),
        ("delete ConfigMap undertow-compat-format1/legacy created by undertow", None),
    ]


@pytest.mark.parametrize("which", sorted(TEMPLATES))
def test_old_files_pass_the_checks_before_execution(tmp_path: Path, which: str) -> None:
    configmap, _ = TEMPLATES[which]
    context = dead_context(tmp_path / "v", configmap)
    entry = directory.load_for_execution(context / configmap.name)
    assert entry.data["action"] == "delete_created"


@pytest.mark.parametrize("which", sorted(TEMPLATES))
def test_an_old_cloud_file_executes_without_a_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    _, instance = TEMPLATES[which]
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3())
    context = dead_context(tmp_path / "v", instance)
    result = rollback_execute(tmp_path / "v", _api_server_is_down)
    assert result.exit_code == 0, result.refused
    assert [o.outcome for o in result.report.outcomes] == [undo.RESTORED]
    assert (context / (instance.name + ".executed")).exists()


@pytest.mark.parametrize("which", sorted(TEMPLATES))
def test_an_edited_old_file_is_still_refused(tmp_path: Path, which: str) -> None:
    configmap, _ = TEMPLATES[which]
    context = dead_context(tmp_path / "v", configmap)
    copy = context / configmap.name
    copy.write_text(copy.read_text().replace("def undo(", "print('x')\n\n\ndef undo("))
    sign_version_file(copy)  # even a validly signed file must hold undertow's own code
    result = rollback_execute(tmp_path / "v", _api_server_is_down)
    assert result.exit_code == 3
    assert "code differs" in result.refused[0][1]


@pytest.mark.parametrize("which", sorted(TEMPLATES))
def test_a_file_signed_by_the_undertow_that_wrote_it_is_trusted_after_an_upgrade(
    tmp_path: Path, which: str
) -> None:
    """The earlier undertow's MAC covered its head and the SHA-256 of ITS code part (the part
    it wrote, which was its today's code): that MAC, computed here by hand as it computed it,
    still verifies, so an upgrade between a crash and `rollback execute` loses nothing."""
    configmap, _ = TEMPLATES[which]
    context = dead_context(tmp_path / "v", configmap)
    copy = context / configmap.name
    text = configmap.read_text("utf-8")
    head, code = template.split(text)
    message = (
        b"undertow version file\x00"
        + signing.location(copy).encode()
        + b"\x00"
        + head.encode()
        + b"\x00"
        + hashlib.sha256(code.encode()).digest()
    )
    mac = hmac.new(signing.load_key().secret, message, hashlib.sha256).hexdigest()
    copy.write_text(f"{text}{signing.MAC_PREFIX}{mac}\n", "utf-8")
    entry = directory.load_for_execution(copy)
    assert entry.data["action"] == "delete_created"


def test_the_code_part_is_pinned_and_earlier_ones_stay_known() -> None:
    digest = hashlib.sha256(template.code_part().encode()).hexdigest()
    assert digest == template.CODE_SHA256, (
        "the embedded undo code changed: add the old CODE_SHA256 to EARLIER_CODE_SHA256 (so "
        f"files written before an upgrade still execute) and set CODE_SHA256 to {digest}"
    )
    assert template.CODE_SHA256 not in template.EARLIER_CODE_SHA256
