"""Typed events: what scenarios, the runner and the journal tell the reports.

The core emits events into an `EventSink`; report formats observe them and are never
imported by the core.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Event:
    """One thing that happened, at a wall-clock time (seconds since the epoch)."""

    kind: str
    message: str
    scenario: str = ""
    time: float = field(default_factory=time.time)
    data: Mapping[str, Any] = field(default_factory=dict)


class EventSink(Protocol):
    def emit(self, event: Event) -> None: ...


class EventLog:
    """A thread-safe in-memory sink that keeps every event in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []

    def emit(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)
