"""A background thread sampling every health target each `interval` seconds.

Started before a scenario injects anything; after the scenario (and its rollback) the
runner calls `finish`, which keeps sampling until every target answered healthy after the
scenario ended, or `recovery_timeout` passed, then stops the thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from undertow.clock import CancelToken, Clock
from undertow.health.availability import Availability, Sample, summarize


class Probe(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def exit_on_failure(self) -> bool: ...

    def probe(self) -> tuple[bool, str]:
        """(healthy, detail); never raises."""
        ...


class HealthMonitor:
    def __init__(
        self, probes: Sequence[Probe], *, interval: float, clock: Clock, log: logging.Logger
    ) -> None:
        self._probes = tuple(probes)
        self._interval = interval
        self._clock = clock
        self._log = log
        self._lock = threading.Lock()
        self._samples: dict[str, list[Sample]] = {probe.label: [] for probe in self._probes}
        self._stop = CancelToken()
        self._thread = threading.Thread(
            target=self._sample_loop, name="undertow-health", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def finish(self, *, recovery_timeout: float, cancel: CancelToken) -> list[Availability]:
        """Sample until every target is healthy again (bounded), stop, and summarize."""
        ended = self._clock.wall()
        deadline = self._clock.monotonic() + recovery_timeout
        while not cancel.cancelled and not self._recovered_since(ended):
            if self._clock.monotonic() >= deadline:
                self._log.warning("health targets not recovered after %gs", recovery_timeout)
                break
            self._clock.sleep(min(self._interval, 0.2), cancel)
        self._stop.cancel("scenario judged")
        self._thread.join()
        with self._lock:
            return [
                summarize(
                    probe.label, self._samples[probe.label], exit_on_failure=probe.exit_on_failure
                )
                for probe in self._probes
            ]

    def _recovered_since(self, ended: float) -> bool:
        with self._lock:
            return all(
                samples and samples[-1].time >= ended and samples[-1].healthy
                for samples in self._samples.values()
            )

    def _sample_loop(self) -> None:
        while True:
            for probe in self._probes:
                at = self._clock.wall()
                try:
                    healthy, detail = probe.probe()
                except Exception as exc:  # a probe bug must not end the sampling silently
                    healthy, detail = False, f"{type(exc).__name__}: {exc}"
                with self._lock:
                    samples = self._samples[probe.label]
                    changed = samples[-1].healthy != healthy if samples else not healthy
                    samples.append(Sample(at, healthy, detail))
                if changed:  # log the edges only, not every sample
                    state = "healthy again" if healthy else "unhealthy"
                    self._log.info("health target %s %s: %s", probe.label, state, detail)
            if self._clock.sleep(self._interval, self._stop):
                return
