"""Cerberus's go/no-go, asked after each scenario (and its rollback).

Cerberus publishes `True` or `False` at its URL; with `check_application_routes`, the
routes it saw fail during the scenario (`<url>/history?loopback=<minutes>`) also mean no-go.
An unreachable Cerberus is a no-go: a run that cannot be judged has not passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from undertow.config.judging import CerberusSection
from undertow.health.http import get


@dataclass(frozen=True)
class CerberusVerdict:
    go: bool
    reason: str = ""
    failed_routes: tuple[str, ...] = ()


def ask_cerberus(config: CerberusSection, *, started: float, ended: float) -> CerberusVerdict:
    """The go/no-go for a scenario that ran from `started` to `ended` (wall-clock seconds)."""
    base = str(config.cerberus_url).rstrip("/")
    signal = get(base, timeout=config.timeout)
    if signal.status != 200:
        return CerberusVerdict(False, f"Cerberus at {base} did not answer: {signal.detail}")
    if signal.body.strip() != b"True":
        return CerberusVerdict(False, f"Cerberus at {base} says no-go ({_shown(signal.body)})")
    if not config.check_application_routes:
        return CerberusVerdict(True)
    minutes = max(ended - started, 0.0) / 60
    history = get(f"{base}/history?loopback={minutes}", timeout=config.timeout)
    routes = _failed_routes(history.body) if history.status == 200 else None
    if routes is None:
        return CerberusVerdict(False, f"Cerberus history at {base} unreadable: {history.detail}")
    if routes:
        return CerberusVerdict(
            False, f"routes down during the scenario: {', '.join(routes)}", routes
        )
    return CerberusVerdict(True)


def _failed_routes(body: bytes) -> tuple[str, ...] | None:
    try:
        failures = json.loads(body)["history"]["failures"]
        names = {str(entry["name"]) for entry in failures if entry.get("component") == "route"}
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return tuple(sorted(names))


def _shown(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return repr(text[:40])
