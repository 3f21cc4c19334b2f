"""Health targets drawn as availability strips on a scenario's time axis (HTML report)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Strip:
    target: str
    text: str
    down: Sequence[tuple[float, float]]
    """Each outage as (left, width) in percent of the scenario's duration."""
    failed: bool


def availability_strips(
    health: Sequence[Mapping[str, Any]], *, started_at: float, duration: float | None
) -> list[Strip]:
    """One strip per target, outages placed relative to the scenario's start."""
    span = max(duration or 0.0, 1e-9)

    def pct(at: float) -> float:
        return round(min(max((at - started_at) / span, 0.0), 1.0) * 100, 2)

    strips = []
    for target in health:
        down = [
            (pct(o["start"]), max(_end(o, pct) - pct(o["start"]), 0.5))
            for o in target.get("outages") or ()
        ]
        strips.append(
            Strip(
                target=str(target.get("target", "")),
                text=_text(target),
                down=down,
                failed=bool(down),
            )
        )
    return strips


def _end(outage: Mapping[str, Any], pct: Callable[[float], float]) -> float:
    """An outage not recovered at the last sample runs to the end of the strip."""
    return pct(outage["end"]) if outage.get("recovered", True) else 100.0


def _text(target: Mapping[str, Any]) -> str:
    samples = f"{target.get('samples', 0)} samples"
    if not target.get("failed_samples"):
        return f"{samples}, never down"
    text = (
        f"{samples}, down {float(target.get('downtime') or 0):.2f} s "
        f"(first failure: {target.get('first_failure_detail') or 'unknown'})"
    )
    ttr = target.get("time_to_recover")
    return text + (f", recovered in {float(ttr):.2f} s" if ttr is not None else ", NOT recovered")
