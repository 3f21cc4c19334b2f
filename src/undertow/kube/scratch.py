"""Where the kubernetes client may write credentials while undertow loads them.

`undertow.undo.k8s_api.api_client` keeps client credentials in memory; while the client
loads a kubeconfig it still writes certificate and key data to files, for a moment, in a
per-process dir inside this one: `$XDG_STATE_HOME/undertow/credentials` (0700, owned by the
user). A process killed in that moment leaves its dir behind; every connect removes the dirs
of processes that are gone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path


def credentials_scratch(env: Mapping[str, str]) -> Path:
    """The scratch dir, created 0700 and emptied of dead processes' leftovers."""
    state = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    root = Path(state) / "undertow" / "credentials"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    if root.is_symlink() or root.stat().st_uid != os.getuid():
        raise PermissionError(f"{root} is not a directory of this user")
    root.chmod(0o700)
    for leftover in root.iterdir():
        if not _alive(leftover.name.partition("-")[0]):
            shutil.rmtree(leftover, ignore_errors=True)
    return root


def _alive(pid: str) -> bool:
    """A process with this id exists (a name that is no pid counts as gone)."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
