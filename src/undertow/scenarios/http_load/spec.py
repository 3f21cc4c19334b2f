"""The `http_load_scenarios` file (Krkn's format): a list of `http_load_scenario:` entries.

- http_load_scenario:
    runs: 1                  # times the load is run, one after the other
    number-of-pods: 2        # vegeta pods, each sending `rate`
    namespace: default       # where the pods run
    image: quay.io/krkn-chaos/krkn-http-load:latest
    attacker-nodes: {}       # node label -> values; {}: anywhere
    targets:
      endpoints:             # vegeta round-robins across them
        - {url: "http://web.shop.svc/health", method: GET}
        - url: "http://web.shop.svc/api"
          method: POST
          headers: {Content-Type: application/json}
          body: '{"key":"value"}'
    rate: "50/1s"            # per pod; "0": as fast as it can (bounded by max_workers)
    duration: "30s"
    workers: 10 / max_workers: 100 / connections: 100 / timeout: "10s"
    keepalive: true / http2: true / insecure: false
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, RootModel

from undertow.scenarios.common.fields import NamespaceName, PositiveCount, SpecModel
from undertow.scenarios.common.generators import AttackerNodes

DEFAULT_IMAGE = "quay.io/krkn-chaos/krkn-http-load:latest"
Method = Literal["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_RATE = re.compile(r"^\d+(?:/(?:\d*)(?:h|ms|m|s|us|µs|ns))?$")


def _seconds_as_text(value: object) -> object:
    """Krkn accepts a bare number of seconds as well as Go's `30s`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}s"
    return value


def _go_duration(value: str) -> str:
    if not _DURATION.match(value) or go_seconds(value) <= 0:
        raise ValueError(f"expected a positive duration such as 30s, 5m or 1m30s, got {value!r}")
    return value


def go_seconds(value: str) -> float:
    """Seconds in a Go duration (`1m30s` -> 90.0)."""
    return sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(value))


def _rate(value: str) -> str:
    if not _RATE.match(value):
        raise ValueError(
            f"expected requests per period such as 50/1s or 1000/1m, or 0 (as fast as "
            f"possible), got {value!r}"
        )
    return value


def _int_as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL with a host, got {value!r}")
    return value


GoDuration = Annotated[str, BeforeValidator(_seconds_as_text), AfterValidator(_go_duration)]
"""A Go duration (`30s`, `5m`, `1m30s`) or a number of seconds."""


class Endpoint(SpecModel):
    """One request vegeta sends, in turn with the others."""

    url: Annotated[str, AfterValidator(_url)]
    """The URL (http or https)."""
    method: Annotated[Method, BeforeValidator(_upper)]
    """GET, POST, PUT, DELETE, PATCH or HEAD."""
    headers: dict[str, str] = {}
    """Request headers."""
    body: str = ""
    """The request body."""


class Targets(SpecModel):
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]
    """The requests, round-robin."""


class HttpLoadConfig(SpecModel):
    """One load: how many vegeta pods, against which endpoints, how hard and how long."""

    runs: PositiveCount = 1
    """How many times the load is run, one after the other."""
    number_of_pods: PositiveCount = Field(1, alias="number-of-pods")
    """vegeta pods, each sending the full rate."""
    namespace: NamespaceName = "default"
    """Where the vegeta pods run."""
    image: str = DEFAULT_IMAGE
    """An image with vegeta (through the helper image map)."""
    attacker_nodes: AttackerNodes = Field(default_factory=dict, alias="attacker-nodes")
    """Node label → values the pods may run on; {}: wherever helper pods go."""
    targets: Targets
    """The endpoints to load."""
    rate: Annotated[str, BeforeValidator(_int_as_text), AfterValidator(_rate)] = "50/1s"
    """Requests per period per pod (50/1s, 1000/1m); 0: as fast as max_workers allow."""
    duration: GoDuration = "30s"
    """How long each pod sends (30s, 5m); each pod stops itself then."""
    workers: PositiveCount = 10
    """vegeta's initial workers per pod."""
    max_workers: PositiveCount = 100
    """vegeta's maximum workers per pod."""
    connections: PositiveCount = 100
    """Idle connections kept per host."""
    timeout: GoDuration = "10s"
    """Per-request timeout."""
    keepalive: bool = True
    """Reuse connections."""
    http2: bool = True
    """Use HTTP/2 where the server offers it."""
    insecure: bool = False
    """Skip TLS certificate checks."""

    @property
    def seconds(self) -> float:
        return go_seconds(self.duration)


class HttpLoadEntry(SpecModel):
    http_load_scenario: HttpLoadConfig
    """One load."""


class HttpLoadSpec(RootModel[Annotated[list[HttpLoadEntry], Field(min_length=1)]]):
    """The whole scenario file: one or more loads, run in order."""
