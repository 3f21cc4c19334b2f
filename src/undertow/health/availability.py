"""From a target's samples to its availability: downtime, first failure, time to recover.

A target is down from a failing sample until the next healthy sample (as in Krkn, which
records status changes between polls); an outage still open at the last sample lasts until
that sample. Each edge is seen at most one interval late, so the downtime measured is the
server's real downtime within one interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """One probe of one target at a wall-clock time."""

    time: float
    healthy: bool
    detail: str = ""
    """The HTTP status code, or why the probe failed."""


@dataclass(frozen=True)
class Outage:
    start: float
    end: float
    recovered: bool

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Availability:
    """What a target's samples say about it over one scenario."""

    target: str
    samples: int
    failed_samples: int
    outages: tuple[Outage, ...]
    exit_on_failure: bool = False
    first_failure_detail: str = ""
    points: tuple[tuple[float, bool], ...] = ()
    """Every sample as (time, healthy), in time order: the report draws them."""

    @property
    def downtime(self) -> float:
        return sum(outage.duration for outage in self.outages)

    @property
    def first_failure(self) -> float | None:
        return self.outages[0].start if self.outages else None

    @property
    def recovered(self) -> bool:
        """Healthy at the last sample (or never down)."""
        return all(outage.recovered for outage in self.outages)

    @property
    def time_to_recover(self) -> float | None:
        """The longest outage (Krkn's worst-case TTR); None when never down or not back."""
        if not self.outages or not self.recovered:
            return None
        return max(outage.duration for outage in self.outages)

    @property
    def passed(self) -> bool:
        """Never down: every sample was healthy."""
        return self.failed_samples == 0


def summarize(
    target: str, samples: Sequence[Sample], *, exit_on_failure: bool = False
) -> Availability:
    """Outages of one target from its samples, in time order."""
    ordered = sorted(samples, key=lambda sample: sample.time)
    outages: list[Outage] = []
    down_since: float | None = None
    for sample in ordered:
        if not sample.healthy and down_since is None:
            down_since = sample.time
        elif sample.healthy and down_since is not None:
            outages.append(Outage(down_since, sample.time, recovered=True))
            down_since = None
    if down_since is not None:
        outages.append(Outage(down_since, ordered[-1].time, recovered=False))
    failed = [sample for sample in ordered if not sample.healthy]
    return Availability(
        target=target,
        samples=len(ordered),
        failed_samples=len(failed),
        outages=tuple(outages),
        exit_on_failure=exit_on_failure,
        first_failure_detail=failed[0].detail if failed else "",
        points=tuple((sample.time, sample.healthy) for sample in ordered),
    )
