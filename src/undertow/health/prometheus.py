"""Prometheus' HTTP API: one seam, answers as typed series, failures as a reason (never raised).

Range queries use Krkn's step: the window / 11000 seconds, at least 1 s.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from undertow.config.performance import PrometheusSettings
from undertow.health.http import get


@dataclass(frozen=True)
class Series:
    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]
    """(unix time, value) pairs."""

    @property
    def values(self) -> tuple[float, ...]:
        return tuple(value for _, value in self.points)

    @property
    def firing_value(self) -> float | None:
        """The first non-zero value: what makes an alert rule fire."""
        return next((v for v in self.values if v != 0 and not math.isnan(v)), None)


def query_range(
    settings: PrometheusSettings, expr: str, *, start: float, end: float
) -> tuple[list[Series], str]:
    """(series, "") or ([], why the query failed)."""
    step = max(math.ceil((end - start) / 11000), 1)
    end = max(end, start)
    params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": str(step)}
    return _query(settings, "query_range", params)


def query_instant(
    settings: PrometheusSettings, expr: str, *, at: float
) -> tuple[list[Series], str]:
    """(series, "") or ([], why the query failed): `expr` evaluated at `at`."""
    return _query(settings, "query", {"query": expr, "time": f"{at:.3f}"})


def _query(
    settings: PrometheusSettings, endpoint: str, params: dict[str, str]
) -> tuple[list[Series], str]:
    headers = {"Authorization": f"Bearer {settings.bearer_token}"} if settings.bearer_token else {}
    url = f"{settings.prometheus_url}/api/v1/{endpoint}?{urllib.parse.urlencode(params)}"
    answer = get(url, timeout=settings.timeout, headers=headers)
    body = _json(answer.body)
    if answer.status != 200:
        reason = body.get("error", "") if isinstance(body, dict) else ""
        return [], f"Prometheus query failed ({answer.detail}{': ' + reason if reason else ''})"
    try:
        return [_series(item) for item in body["data"]["result"]], ""
    except (KeyError, TypeError, ValueError, IndexError):
        return [], "Prometheus answered with an unreadable result"


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _series(item: Mapping[str, Any]) -> Series:
    pairs: Sequence[Any] = item.get("values") or ([item["value"]] if "value" in item else [])
    return Series(
        labels={str(k): str(v) for k, v in item.get("metric", {}).items()},
        points=tuple((float(pair[0]), float(pair[1])) for pair in pairs),
    )
