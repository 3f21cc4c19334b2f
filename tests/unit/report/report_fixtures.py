"""Events shaped like the runner's and the scenarios', and a tiny DOM for asserting on HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from undertow.events import Event

T0 = 1_764_000_000.0  # 2025-11-24 16:00:00 UTC
VOID = {"meta", "input", "col", "br", "img", "link", "hr", "wbr", "source"}


def tally(**counts: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(
        ("restored", "already_restored", "conflicts", "failed", "pending"), 0
    )
    base["errors"] = []
    base.update(counts)
    return base


def started(at: float, run_id: str = "run-1") -> Event:
    return Event("run.started", f"run {run_id}", "", T0 + at, {"run_id": run_id})


def finished(at: float, exit_code: int, stopped_early: str = "") -> Event:
    data = {"exit_code": exit_code, "stopped_early": stopped_early}
    return Event("run.finished", f"exit code {exit_code}", "", T0 + at, data)


def scenario_started(at: float, scenario: str, file: str, iteration: int = 1) -> Event:
    data = {"iteration": iteration, "file": file}
    return Event("scenario.started", f"{scenario}: {file}", scenario, T0 + at, data)


def scenario_finished(
    at: float,
    scenario: str,
    file: str,
    status: str = "passed",
    duration: float = 1.0,
    **extra: Any,
) -> Event:
    data: dict[str, Any] = {
        "iteration": 1,
        "file": file,
        "status": status,
        "duration": duration,
        "summary": "",
        "error": "",
        "targets": [],
        "metrics": {},
        "rollback": tally(),
    }
    data.update(extra)
    return Event("scenario.finished", f"{scenario}: {status}", scenario, T0 + at, data)


def emitted(at: float, scenario: str, kind: str, message: str, **data: Any) -> Event:
    return Event(kind, message, scenario, T0 + at, data)


def pod_run(exit_code: int = 0, status: str = "passed") -> list[Event]:
    """A run of one pod kill: two pods deleted, recovered, nothing left to undo."""
    pod = "pod_disruption_scenarios"
    return [
        started(0),
        scenario_started(1, pod, "pods.yaml"),
        emitted(1.5, pod, "targets.selected", "2 pods", pods=["web/a", "web/b"]),
        emitted(2.0, pod, "pod.killed", "deleted pod web/a", pod="web/a"),
        emitted(2.1, pod, "pod.killed", "deleted pod web/b", pod="web/b"),
        emitted(6.0, pod, "recovery.ok", "2 pods back in 4.0s", seconds=4.0),
        scenario_finished(6.5, pod, "pods.yaml", status, 5.5, summary="killed 2 pods"),
        finished(7, exit_code),
    ]


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes()):
                found.append(child)
            found.extend(child.find_all(tag, cls))
        return found

    def by_id(self, ident: str) -> Node:
        matches = [n for n in self.find_all() if n.attrs.get("id") == ident]
        assert len(matches) == 1, f"{len(matches)} elements with id {ident!r}"
        return matches[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert tag not in VOID, f"end tag for void element {tag}"
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for node in self.stack:
            node.parts.append(data)


def parse(page: str) -> Node:
    """Parse a page, asserting every element is closed where it was opened."""
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    assert [n.tag for n in builder.stack] == ["#document"], "unclosed elements"
    return builder.root
