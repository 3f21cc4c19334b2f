"""Run control: Krkn's `publish_kraken_status` status endpoint with RUN / PAUSE / STOP.

Krkn's keys (`kraken.publish_kraken_status`, `signal_state`, `signal_address`, `port`) and
undertow's `control` section map to one model. Unlike Krkn, the endpoint listens on
127.0.0.1 unless an address is written, and every request but a GET needs a bearer token.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_CONTROL_ADDRESS = "127.0.0.1"
DEFAULT_CONTROL_PORT = 8081
"""Krkn's default port."""


class RunControlSection(BaseModel):
    """undertow's `control` section (Krkn: the `kraken` keys named in each description)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        False,
        description="Serve the run's status and RUN/PAUSE/STOP (Krkn: publish_kraken_status).",
    )
    signal_state: Literal["RUN", "PAUSE"] = Field(
        "RUN", description="The state a run starts in; PAUSE waits for RUN before injecting."
    )
    address: str = Field(
        DEFAULT_CONTROL_ADDRESS,
        min_length=1,
        description="Address to listen on (Krkn: signal_address); loopback unless written.",
    )
    port: int = Field(
        DEFAULT_CONTROL_PORT, ge=0, le=65535, description="TCP port; 0 picks a free one."
    )
    token: str | None = Field(
        None,
        min_length=16,
        description="Bearer token every request but a GET must carry; default: a new one "
        "per run, printed and kept in the run's state directory.",
    )
