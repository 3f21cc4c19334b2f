"""vegeta's command line for one load pod, its JSON targets, and its JSON report.

The pod writes the targets (from an environment variable, so no value is ever pasted into
a shell line), runs `vegeta attack` for the duration, then prints `vegeta report -type=json`
as one line; the plugin reads that line from the pod's log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from undertow.scenarios.http_load.spec import Endpoint, HttpLoadConfig

TARGETS_ENV = "UNDERTOW_VEGETA_TARGETS"
_SCRIPT = (
    f'printf "%s\\n" "${TARGETS_ENV}" > /tmp/targets.json'
    ' && vegeta attack "$@" -targets=/tmp/targets.json -output=/tmp/results.bin'
    " && vegeta report -type=json /tmp/results.bin"
)
LATENCIES = ("mean", "50th", "95th", "99th", "max")


def targets_json(endpoints: Iterable[Endpoint]) -> str:
    """vegeta's JSON target format, one per line (bodies base64, headers as lists)."""
    lines = []
    for endpoint in endpoints:
        target: dict[str, Any] = {"method": endpoint.method, "url": endpoint.url}
        if endpoint.headers:
            target["header"] = {k: [v] for k, v in endpoint.headers.items()}
        if endpoint.body:
            target["body"] = base64.b64encode(endpoint.body.encode()).decode()
        lines.append(json.dumps(target, separators=(",", ":")))
    return "\n".join(lines)


def attack_command(config: HttpLoadConfig) -> list[str]:
    """`sh -c <script> vegeta <attack flags>`: the flags reach vegeta as "$@", unquoted by
    nobody."""
    flags = [
        "-format=json",
        f"-rate={config.rate}",
        f"-duration={config.duration}",
        f"-workers={config.workers}",
        f"-max-workers={config.max_workers}",
        f"-connections={config.connections}",
        f"-timeout={config.timeout}",
        f"-keepalive={str(config.keepalive).lower()}",
        f"-http2={str(config.http2).lower()}",
        f"-insecure={str(config.insecure).lower()}",
    ]
    return ["sh", "-c", _SCRIPT, "vegeta", *flags]


def parse_report(log: str) -> dict[str, Any] | None:
    """The last JSON report line of a pod's log (None when there is none)."""
    for raw in reversed(log.splitlines()):
        line = raw.strip()
        if line.startswith("{") and '"latencies"' in line:
            try:
                report: dict[str, Any] = json.loads(line)
            except ValueError:
                return None
            return report
    return None


@dataclass(frozen=True)
class LoadTotals:
    """Reports of several pods together: counts summed, ratios and latencies weighted by
    each pod's requests (latencies in milliseconds)."""

    requests: int
    success_ratio: float
    throughput: float
    latencies_ms: Mapping[str, float]
    status_codes: Mapping[str, int]
    errors: tuple[str, ...]

    def metrics(self) -> dict[str, float]:
        out = {
            "requests": float(self.requests),
            "success_ratio": self.success_ratio,
            "throughput": self.throughput,
        }
        out.update({f"latency_{k}_ms": v for k, v in self.latencies_ms.items()})
        return out


def total(reports: Iterable[Mapping[str, Any]]) -> LoadTotals:
    reports = list(reports)
    requests = sum(int(r.get("requests") or 0) for r in reports)

    def weighted(value: Any) -> float:
        if not requests:
            return 0.0
        return sum(float(value(r) or 0) * int(r.get("requests") or 0) for r in reports) / requests

    codes: dict[str, int] = {}
    for report in reports:
        for code, count in (report.get("status_codes") or {}).items():
            codes[code] = codes.get(code, 0) + int(count)
    return LoadTotals(
        requests=requests,
        success_ratio=weighted(lambda r: r.get("success")),
        throughput=sum(float(r.get("throughput") or 0) for r in reports),
        latencies_ms={
            k: weighted(lambda r, k=k: (r.get("latencies") or {}).get(k)) / 1e6 for k in LATENCIES
        },
        status_codes=codes,
        errors=tuple(dict.fromkeys(e for r in reports for e in r.get("errors") or []))[:10],
    )
