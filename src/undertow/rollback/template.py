"""The one template every version file comes from, and the one place files are parsed.

A version file is, in order:

1. a docstring header for humans (run, scenario, time, what the undo does, to which object,
   which Python packages it needs);
2. the same packages as an inline script metadata block (PEP 723 comment lines), so that
   `uv run <file>` or `pipx run <file>` installs them: an undo that starts a cloud instance
   needs the cloud's SDK and not `kubernetes`;
3. `UNDO = {...}`: the undo data, one key per line, each value rendered with `repr`, never
   pasted into a string (pprint of a whole object snapshot costs more than the fsync);
4. a marker line, then the undo verbs: the modules of `undertow.undo` one after the other,
   verbatim but for the imports between them (see `undertow.undo`);
5. `if __name__ == "__main__": raise SystemExit(main(UNDO))`;
6. the MAC line the journal appends (`undertow.rollback.signing`), removed before `parse`.

`parse()` never imports or executes the file: it checks that everything from the marker on
is exactly what this undertow renders (or what an earlier undertow rendered, by digest: the
data format is the same, and undertow runs its own undo verbs on the data, never the
file's), that the head is only a docstring and the `UNDO` assignment, and reads the data
with `ast.literal_eval`.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import math
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from undertow import errors
from undertow.undo import EMBEDDED
from undertow.undo.outcome import FORMAT
from undertow.undo.verbs import describe, requirements

MARKER = "# ---- undo verbs: undertow.undo, embedded; do not edit below ----\n"
EARLIER_MARKERS = (
    "# ---- undo verbs: undertow.rollback.undo, embedded verbatim; do not edit below ----\n",
)
_MAIN = '\n\nif __name__ == "__main__":\n    raise SystemExit(main(UNDO))\n'
_HEADER = """\
undertow rollback version file: undoes one change undertow made to a Kubernetes cluster.

Run:       {run_id}
Scenario:  {scenario_type}
Recorded:  {recorded_at}
Undo:      {description}
Object:    {target}

Undo it with undertow:  undertow rollback execute --file <this file>
Or by hand:             python <this file> [--dry-run] [--kubeconfig PATH] [--context NAME]
(needs Python 3.10+ and {packages}; safe to run twice)
"""
_SCRIPT_METADATA = """\
# /// script
# requires-python = ">=3.10"
# dependencies = {dependencies}
# ///
"""

EARLIER_CODE_SHA256 = frozenset(
    {
        # before undos that need no cluster stopped connecting to it first
        "24a20a16a7c7545f951090f82a99cbd2b33b76b45e590eb0c1cb88189e0c4cec",
        # one module, undertow.rollback.undo, before the verbs became the undertow.undo package
        "25d5ffff091575fbf7eaf1662b9499c601e95e1ba494ef5b6c3bb6db93cbaf8b",
        # the undertow.undo package, before the verbs checked that the data is their run's
        "3b2849bd1ffcebe04ca50e978bd5961e612f1e1d2f5b240a75a017224ce4e472",
        # before the verbs for files in pods and nodes (PVC fill, storage throttle)
        "7c28f961c810a81c2808a465bfe1ce8bcded3295169b2a795e0963f0b1257aca",
        # the builds between those verbs and the node-file/clock undos' shared helper runner
        "1ef54ab8caf7c581ccbfd561c14ce4caa52a9987358ee5cee5335efa14e889b1",
        "d9811eb84ad9ed1de4ad94fd234764bc8ab502971f5b84ac312218a767724fb2",
        "98d27448c2247f69e4004658cc96b26a1f4c3335ac367924cdee104a620a6308",
        "521168e02c6c86bb304b7aa95dab2af41288471332003e922c4c609b96a15ce5",
        "4aa219e39d8ccd661a8d43c495d6ae1a89e5ec922675d1b94d6d45f11cf9aa16",
        "71e2a5ed72e7e0a81c1b9df8fa9910da57c3a0d4a18dbd238d05b680cf84b2dc",
        # before the kubelet verb (resume_kubelet) and the uid-checked undos from the cluster copy
        "8e6590f05eda68fa447636e49c9a2af63323d88c525db6b19eaca1829fb96bab",
        # before the disk verb (attach_disk), the PVC fill's helper-pod removal, and the undo
        # fixes for a refused recreate (422) and a helper that just ended
        "93e0de9ab4b5447fb989b6a0c5840e63e8476ea2ee866f7b4c363f6c7c8869b1",
    }
)
CODE_SHA256 = "b985872ffbc70df8a1a0f92a07910d2b81327841f3efd3df5b5fbd5657195f5a"
"""SHA-256 of the code part this undertow writes (`code_part()`), pinned: a change to the undo
code changes it, and a test then asks for the old digest to join EARLIER_CODE_SHA256, so that
version files written before an upgrade are still executed after it."""
"""SHA-256 digests of the code parts earlier undertow versions wrote (same data format)."""


def _standalone(module: str, source: str) -> str:
    """`source` without its imports of sibling undo modules (their names are defined
    above it in the version file); any other way of importing undertow is refused."""
    lines = source.splitlines(keepends=True)
    for node in reversed(ast.parse(source).body):
        if isinstance(node, ast.Import | ast.ImportFrom) and "undertow" in ast.unparse(node):
            sibling = isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "undertow.undo."
            )
            if not sibling or any(alias.asname for alias in node.names):
                raise AssertionError(f"undertow.undo.{module}: cannot embed {ast.unparse(node)}")
            del lines[node.lineno - 1 : node.end_lineno]
    return "".join(lines).rstrip("\n") + "\n"


@functools.cache
def code_part() -> str:
    """Everything from the marker to the end, as this undertow writes it."""
    package = resources.files("undertow.undo")
    sources = [
        _standalone(name, package.joinpath(f"{name}.py").read_text("utf-8")) for name in EMBEDDED
    ]
    return MARKER + "\n" + "\n\n".join(sources) + _MAIN


def _target_line(target: Mapping[str, Any]) -> str:
    where = f"{target.get('namespace')}/" if target.get("namespace") else ""
    uid = f" (uid {target['uid']})" if target.get("uid") else ""
    return f"{target.get('api_version')} {target.get('kind')} {where}{target.get('name')}{uid}"


def _printable(value: object) -> str:
    """One header line: the value itself, or its repr if it holds control characters."""
    text = str(value)
    return text if text.isprintable() else repr(text)


def _docstring(text: str) -> str:
    """`text` as a triple-quoted literal that evaluates back to exactly `text`."""
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if escaped.endswith('"'):
        escaped = escaped[:-1] + '\\"'
    return f'"""{escaped}"""'


def _packages(names: list[str]) -> str:
    """The header's words for the packages an undo needs."""
    if not names:
        return "no package beyond the standard library"
    quoted = " and ".join(f"`{name}`" for name in names)
    return f"the {quoted} package{'s' if len(names) > 1 else ''}"


def _literal(data: Mapping[str, Any]) -> str:
    """`data` as a dict literal: one top-level key per line, values as their repr."""
    lines = "".join(f"    {key!r}: {value!r},\n" for key, value in data.items())
    return "{\n" + lines + "}"


def render(data: Mapping[str, Any]) -> str:
    """The full text of the version file for `data`; JournalError if it would not round-trip."""
    return render_head(data) + code_part()


def render_head(data: Mapping[str, Any]) -> str:
    """The part of `data`'s version file before the undo code (`render` without
    `code_part()`); JournalError if its data would not read back the same.

    The data is checked by its types, not by parsing what was rendered: the repr of a str,
    int, bool, None or finite float, and of lists and dicts of them, is a literal that
    `ast.literal_eval` reads back equal (and the header's values are printed on one line or
    as a repr, inside a docstring that escapes its own quotes). Tuples read back as tuples;
    sets are refused (the repr of an empty one, `set()`, is a call)."""
    if data.get("format") != FORMAT or not _plain(data, _MAX_DEPTH):
        raise errors.JournalError(
            "cannot write a version file for this change: its undo data is not a plain "
            "literal (str, int, float, bool, None, list, dict) that reads back the same"
        )
    needs = requirements(data)
    header = _HEADER.format(
        run_id=_printable(data.get("run_id")),
        scenario_type=_printable(data.get("scenario_type")),
        recorded_at=_printable(data.get("recorded_at")),
        description=_printable(describe(data)),
        target=_printable(_target_line(data.get("target") or {})),
        packages=_packages(needs),
    )
    metadata = _SCRIPT_METADATA.format(dependencies=json.dumps(needs))
    return f"{_docstring(header)}\n\n{metadata}UNDO = {_literal(data)}\n\n\n"


_SCALARS = (str, int, bool, type(None))
_MAX_DEPTH = 100
"""Nesting the data may have: Python's parser refuses more than 200 nested brackets."""


def _plain(value: object, depth: int) -> bool:
    """Whether `value`'s repr is a literal that reads back equal (exact types only: the repr
    of a str or int subclass, e.g. an enum, is not a literal)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if isinstance(value, float):
        return kind is float and math.isfinite(value)
    if depth <= 0:
        return False
    if isinstance(value, list | tuple):
        return kind in (list, tuple) and all(_plain(item, depth - 1) for item in value)
    if isinstance(value, dict):
        return kind is dict and all(
            _plain(key, 0) and _plain(item, depth - 1) for key, item in value.items()
        )
    return False


def _parse_head(head: str) -> dict[str, Any]:
    try:
        tree = ast.parse(head, mode="exec")
    except SyntaxError as exc:
        raise errors.TamperedVersionFile(f"header does not parse: {exc.msg}") from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, deep nesting
        reason = str(exc) or type(exc).__name__
        raise errors.TamperedVersionFile(f"header does not parse: {reason}") from exc
    body = tree.body
    shape_ok = (
        len(body) == 2
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
        and isinstance(body[1], ast.Assign)
        and len(body[1].targets) == 1
        and isinstance(body[1].targets[0], ast.Name)
        and body[1].targets[0].id == "UNDO"
    )
    if not shape_ok:
        raise errors.TamperedVersionFile(
            "the part before the undo code must be only the docstring and `UNDO = {...}`"
        )
    assign = body[1]
    assert isinstance(assign, ast.Assign)
    try:
        data = ast.literal_eval(assign.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise errors.TamperedVersionFile(f"UNDO is not a plain data literal: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise errors.TamperedVersionFile(f"UNDO is not a format-{FORMAT} undo record")
    return data


def split(text: str) -> tuple[str, str]:
    """(head, code) of a version file's text, split at the marker."""
    for marker in (MARKER, *EARLIER_MARKERS):
        index = text.find(marker)
        if index >= 0:
            return text[:index], text[index:]
    raise errors.TamperedVersionFile("not an undertow version file (no undo-code marker)")


def head(data: bytes) -> str:
    """The part of a version file's bytes before the marker, decoded (the rest is not)."""
    for marker in (MARKER, *EARLIER_MARKERS):
        index = data.find(marker.encode("utf-8"))
        if index >= 0:
            return data[:index].decode("utf-8")
    raise errors.TamperedVersionFile("not an undertow version file (no undo-code marker)")


def parse(text: str) -> dict[str, Any]:
    """The undo data of a version file, after checking its code is exactly undertow's."""
    head, code = split(text)
    if code != code_part() and not _earlier(code):
        raise errors.TamperedVersionFile(
            "its code differs from what this undertow writes (edited by hand, or written by "
            "another undertow version); nothing in it was run"
        )
    return _parse_head(head)


def _earlier(code: str) -> bool:
    """Whether `code` is the code part an earlier undertow wrote (hashed only when it is not
    today's: that comparison is all a file this undertow wrote costs)."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest() in EARLIER_CODE_SHA256


_HEADER_LINE = re.compile(r"^(Run|Scenario|Recorded|Undo|Object):[ ]+(.*)$", re.MULTILINE)


def read_header(head: str) -> dict[str, str]:
    """The header's fields (Run, Scenario, Recorded, Undo, Object), for listing only.

    Listing runs nothing and must stay fast over thousands of files, so it reads the
    header lines rather than parsing the data; `parse` is what execution trusts.
    """
    end = head.find('"""', 3)
    if not head.startswith('"""') or end < 0:
        raise errors.TamperedVersionFile("not an undertow version file (no header)")
    fields = dict(_HEADER_LINE.findall(head[:end]))
    if "Undo" not in fields or "Object" not in fields:
        raise errors.TamperedVersionFile("not an undertow version file (header incomplete)")
    return fields
