"""The leftovers of credentials the kubernetes client wrote for a process that is gone.

`undertow.undo.k8s_api.api_client` keeps client credentials in memory; while the client
loads a kubeconfig it still writes certificate and key data to files, for a moment, in a
0700 dir of the temp dir named `undertow-credentials-<pid>-*`. A process killed in that
moment leaves its dir behind: every connect removes those of processes that are gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from undertow.undo.k8s_api import CREDENTIALS_PREFIX


def remove_dead_credentials(root: str | None = None) -> list[str]:
    """Remove this user's credential dirs in `root` (default: the temp dir) whose process
    is gone; the paths removed."""
    root = tempfile.gettempdir() if root is None else root
    removed = []
    for entry in os.scandir(root):
        if not entry.name.startswith(CREDENTIALS_PREFIX):
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.stat(follow_symlinks=False).st_uid != os.getuid():
            continue
        if not _alive(entry.name.removeprefix(CREDENTIALS_PREFIX).partition("-")[0]):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.path)
    return removed


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
