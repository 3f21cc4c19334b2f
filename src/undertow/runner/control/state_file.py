"""`<runs dir>/<run id>/control.json`: where a running run's control endpoint listens and its
token (mode 0600 in a 0700 directory), so `undertow ctl` finds it. Removed when the run ends
(the directory stays: the run's report.json is kept there); a file whose process is gone is
not a running run."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from undertow.errors import ConfigError, ConfigIssue

FILE_NAME = "control.json"


@dataclass(frozen=True)
class ControlAddress:
    run_id: str
    url: str
    token: str
    pid: int = 0


def write_control(runs_directory: Path, address: ControlAddress) -> Path:
    """Write the run's control file atomically, readable by its owner only."""
    directory = runs_directory / address.run_id
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / FILE_NAME
    temp = directory / f".{FILE_NAME}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(asdict(address), out)
    os.replace(temp, path)
    return path


def remove_control(runs_directory: Path, run_id: str) -> None:
    """The run has ended: `undertow ctl` must not find it any more."""
    (runs_directory / run_id / FILE_NAME).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read(path: Path) -> ControlAddress | None:
    try:
        data = json.loads(path.read_text())
        address = ControlAddress(
            run_id=str(data["run_id"]),
            url=str(data["url"]),
            token=str(data["token"]),
            pid=int(data["pid"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return address if _alive(address.pid) else None


def find_control(runs_directory: Path, run: str | None = None) -> ControlAddress:
    """The control file of the one running run (or of the run whose id starts with `run`)."""
    files = sorted(runs_directory.glob(f"*/{FILE_NAME}")) if runs_directory.is_dir() else []
    live = [address for address in map(_read, files) if address is not None]
    chosen = [address for address in live if run is None or address.run_id.startswith(run)]
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        what = f"run {run!r}" if run else "running run"
        message = (
            f"no {what} with run control found in {runs_directory} (is `control.enabled` or "
            "Krkn's `publish_kraken_status` on?); or pass --url and --token"
        )
    else:
        ids = ", ".join(address.run_id for address in chosen)
        message = f"several running runs ({ids}): choose one with --run"
    raise ConfigError([ConfigIssue(str(runs_directory), "", message)])
