"""`rollback list --from-cluster`: the text and `--json` say the same undo for each pending
entry of a run's cluster copy (`JournalEntry.description`), also when an entry's data
records no free-text description (then both show its action)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from rich.console import Console

from undertow.cli.rollback import print_copies
from undertow.commands.rollback import copies_as_json
from undertow.rollback.cluster_copy import CopiedRun
from undertow.rollback.entry import JournalEntry
from undertow.rollback.naming import VersionName
from undertow.runner.cluster_restore import ListedCopy

RUN = "0123456789ab"


def _entry(n: int, data: dict[str, Any]) -> JournalEntry:
    name = VersionName("pod_disruption_scenarios", 1_000 + n, f"abcdefg{n}", executed=False)
    path = PurePosixPath("configmap", "undertow", f"undertow-journal-{RUN}", name.filename)
    return JournalEntry(path=path, name=name, run_id=RUN, data=data)  # type: ignore[arg-type]


def test_the_text_and_the_json_show_the_same_undo() -> None:
    described = {"action": "recreate_deleted", "description": "recreate pod shop/web-0"}
    bare = {"action": "delete_created"}  # no description recorded
    copied = CopiedRun(
        RUN,
        "undertow",
        f"undertow-journal-{RUN}",
        [_entry(1, described), _entry(2, bare)],
        0,
        [],
        [],
    )
    listed = [ListedCopy(copied, lease=None)]
    console = Console(width=300, record=True)
    print_copies(listed, "undertow", console, now=0.0)
    lines = [line for line in console.export_text().splitlines() if "pending  " in line]
    undos = [e["undo"] for e in copies_as_json(listed, now=0.0)[0]["pending"]]
    assert undos == ["recreate pod shop/web-0", "delete_created"]
    assert len(lines) == len(undos)
    for line, undo in zip(lines, undos, strict=True):
        assert line.endswith(f"  {undo}"), line
