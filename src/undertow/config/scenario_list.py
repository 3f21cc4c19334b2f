"""The scenario list: Krkn's `kraken.chaos_scenarios` and undertow's `scenarios`.

Shape: a list of single-key mappings `- <scenario_type>: [file, ...]`, run in order.
Krkn's older form, where a file item is itself a list `[scenario_file, post_action.py, ...]`,
is accepted: the first element is the scenario file, the post-action scripts are ignored
(and reported). Paths resolve against the config file's directory first, then the current
directory (where Krkn resolves them), so a Krkn checkout's config works unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from undertow.config.issues import describe
from undertow.config.krkn_types import canonical_type
from undertow.config.settings import ScenarioFileRef
from undertow.config.yamlfile import Loc, YamlDocument, format_loc
from undertow.errors import ConfigIssue

SHAPE = "{scenario_type: [files]}"


@dataclass
class ScenarioList:
    refs: list[ScenarioFileRef] = field(default_factory=list)
    issues: list[ConfigIssue] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def parse_scenario_list(doc: YamlDocument, loc: Loc, value: Any, cwd: Path) -> ScenarioList:
    """Check the list's shape and resolve every file path; collect every problem."""
    out = ScenarioList()
    if value is None:
        out.issues.append(doc.issue(loc, f"required: a list of {SHAPE} entries"))
        return out
    if not isinstance(value, list):
        message = f"expected a list of {SHAPE} entries, got {describe(value)}"
        out.issues.append(doc.issue(loc, message))
        return out
    if not value:
        out.issues.append(doc.issue(loc, f"no scenarios: expected at least one {SHAPE} entry"))
        return out
    for index, entry in enumerate(value):
        _parse_entry(doc, (*loc, index), entry, cwd, out)
    return out


def _parse_entry(doc: YamlDocument, loc: Loc, entry: Any, cwd: Path, out: ScenarioList) -> None:
    if not isinstance(entry, dict):
        out.issues.append(doc.issue(loc, f"expected a mapping {SHAPE}, got {describe(entry)}"))
        return
    if len(entry) != 1:
        names = ", ".join(str(key) for key in entry) or "none"
        message = f"expected exactly one scenario type per entry, got {len(entry)} ({names})"
        out.issues.append(doc.issue(loc, message))
        return
    ((declared, files),) = entry.items()
    type_loc = (*loc, str(declared))
    if not isinstance(declared, str) or not declared.strip():
        message = f"expected a scenario type name, got {describe(declared)}"
        out.issues.append(doc.issue(type_loc, message))
        return
    if not isinstance(files, list):
        out.issues.append(
            doc.issue(type_loc, f"expected a list of scenario files, got {describe(files)}")
        )
        return
    if not files:
        message = "expected at least one scenario file, got an empty list"
        out.issues.append(doc.issue(type_loc, message))
        return
    for index, item in enumerate(files):
        _parse_file(doc, (*type_loc, index), declared, item, cwd=cwd, out=out)


def _parse_file(
    doc: YamlDocument, loc: Loc, declared: str, item: Any, *, cwd: Path, out: ScenarioList
) -> None:
    if isinstance(item, list):
        if not item:
            out.issues.append(doc.issue(loc, "expected a file path, got an empty list"))
            return
        for extra in item[1:]:
            out.ignored.append(f"post-action script {extra} ({format_loc(loc)})")
        loc, item = (*loc, 0), item[0]
    if not isinstance(item, str) or not item.strip():
        out.issues.append(doc.issue(loc, f"expected a file path, got {describe(item)}"))
        return
    written = item.strip()
    candidates = candidate_paths(written, doc.path.parent, cwd)
    chosen = next((path for path in candidates if path.exists()), candidates[0])
    out.refs.append(
        ScenarioFileRef(
            scenario_type=canonical_type(declared),
            path=chosen,
            written=written,
            config_file=doc.path,
            field=format_loc(loc),
            line=doc.line_of(loc),
            declared_type=declared,
            candidates=candidates,
        )
    )


def candidate_paths(written: str, config_dir: Path, cwd: Path) -> tuple[Path, ...]:
    path = Path(written).expanduser()
    if path.is_absolute():
        return (path,)
    first = (config_dir / path).absolute()
    second = (cwd / path).absolute()
    return (first,) if first == second else (first, second)
