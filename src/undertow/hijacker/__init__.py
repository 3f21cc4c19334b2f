"""The hijacker web server run by the service-hijacking scenario's pod.

`server.py` is standard-library only and is shipped to the pod as a file in a ConfigMap,
so the pod's image needs nothing but `python3`.
"""

from __future__ import annotations

from importlib.resources import files

SCRIPT_NAME = "server.py"


def server_source() -> str:
    """The text of the server script, as mounted into the hijacker pod."""
    return files(__package__).joinpath(SCRIPT_NAME).read_text(encoding="utf-8")
