"""Environment-variable overrides, resolved once at load time.

Precedence, highest first: command-line flag > environment variable > config file > default.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from undertow.errors import ConfigIssue

ENV_VARS: dict[str, str] = {
    "UNDERTOW_KUBECONFIG": "kubeconfig file (like --kubeconfig)",
    "UNDERTOW_CONTEXT": "kubeconfig context (like --context)",
    "UNDERTOW_ROLLBACK_DIR": "rollback versions directory (like --versions-dir)",
    "UNDERTOW_JOURNAL_KEY": "file with the key that signs version files (rollback.journal_key)",
    "UNDERTOW_ROLLBACK_AUTO": "true/false: roll back failed or interrupted scenarios",
    "UNDERTOW_ROLLBACK_RETENTION_DAYS": "days executed version files are kept (default 7)",
    "UNDERTOW_REPORT_DIR": "directory for report.json, junit.xml, report.html (like --report-dir)",
    "UNDERTOW_ITERATIONS": "passes over the scenario list (tunings.iterations)",
    "UNDERTOW_WAIT_DURATION": "seconds between scenario files (tunings.wait_duration)",
    "UNDERTOW_DAEMON_MODE": "true/false: repeat until interrupted (tunings.daemon_mode)",
    "UNDERTOW_EXIT_ON_FAILURE": "true/false: stop at the first failed scenario",
    "UNDERTOW_STRICT": "true/false: findings (problems Krkn never checks) fail their scenario",
    "UNDERTOW_HEARTBEAT_INTERVAL": "seconds between renewals of the run's Lease (default 10)",
    "UNDERTOW_HEARTBEAT_GRACE": "the run's Lease duration in seconds (default 60)",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class EnvOverrides:
    kubeconfig: Path | None = None
    context: str | None = None
    versions_directory: Path | None = None
    journal_key: Path | None = None
    auto_rollback: bool | None = None
    executed_retention_days: float | None = None
    report_directory: Path | None = None
    iterations: int | None = None
    wait_duration: float | None = None
    daemon_mode: bool | None = None
    exit_on_failure: bool | None = None
    strict: bool | None = None
    heartbeat_interval: float | None = None
    heartbeat_grace: int | None = None


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected true or false (1/0, yes/no, on/off)")


def _positive_int(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError("expected an integer >= 1") from None
    if value < 1:
        raise ValueError("expected an integer >= 1")
    return value


def _seconds(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds >= 0") from None
    if value < 0 or not math.isfinite(value):
        raise ValueError("expected a number of seconds >= 0")
    return value


def _days(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of days >= 0") from None
    if value < 0 or not math.isfinite(value):
        raise ValueError("expected a number of days >= 0")
    return value


_PARSERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "UNDERTOW_KUBECONFIG": ("kubeconfig", _path),
    "UNDERTOW_CONTEXT": ("context", str),
    "UNDERTOW_ROLLBACK_DIR": ("versions_directory", _path),
    "UNDERTOW_JOURNAL_KEY": ("journal_key", _path),
    "UNDERTOW_ROLLBACK_AUTO": ("auto_rollback", _bool),
    "UNDERTOW_ROLLBACK_RETENTION_DAYS": ("executed_retention_days", _days),
    "UNDERTOW_REPORT_DIR": ("report_directory", _path),
    "UNDERTOW_ITERATIONS": ("iterations", _positive_int),
    "UNDERTOW_WAIT_DURATION": ("wait_duration", _seconds),
    "UNDERTOW_DAEMON_MODE": ("daemon_mode", _bool),
    "UNDERTOW_EXIT_ON_FAILURE": ("exit_on_failure", _bool),
    "UNDERTOW_STRICT": ("strict", _bool),
    "UNDERTOW_HEARTBEAT_INTERVAL": ("heartbeat_interval", _seconds),
    "UNDERTOW_HEARTBEAT_GRACE": ("heartbeat_grace", _positive_int),
}


def read_env(env: Mapping[str, str]) -> tuple[EnvOverrides, list[ConfigIssue]]:
    """Parse the UNDERTOW_* variables that are set (and non-empty)."""
    values: dict[str, Any] = {}
    issues: list[ConfigIssue] = []
    for variable, (attr, parse) in _PARSERS.items():
        raw = env.get(variable, "")
        if not raw.strip():
            continue
        try:
            values[attr] = parse(raw)
        except ValueError as exc:
            issues.append(ConfigIssue("environment", variable, f"{exc}, got {raw!r}"))
    return EnvOverrides(**values), issues
