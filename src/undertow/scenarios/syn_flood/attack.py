"""The hping3 command of one attacker pod, and what its log says it sent.

`timeout` ends hping3 after the duration (hping3 has no duration of its own); on SIGTERM
hping3 prints its statistics (`N packets transmitted, ...`) and exits 0, so a flood that ran
its course ends `Succeeded` with its count in the log.
"""

from __future__ import annotations

import re

from undertow.scenarios.syn_flood.spec import SynFloodSpec

_SENT = re.compile(r"^(\d+) packets transmitted", re.MULTILINE)


def hping_command(spec: SynFloodSpec, address: str) -> list[str]:
    """SYNs to `address:target-port` for `duration` seconds, at the rate asked for."""
    pace = (
        ["-i", f"u{max(1, 1_000_000 // spec.packets_per_second)}"]
        if spec.packets_per_second
        else ["--flood"]
    )
    return [
        *("timeout", str(spec.duration)),
        *("hping3", "-S", "-q", "-p", str(spec.target_port)),
        *("-d", str(spec.packet_size), "-w", str(spec.window_size)),
        *pace,
        address,
    ]


def packets_sent(log: str) -> int | None:
    """The count hping3's statistics give, if the log has them."""
    found = _SENT.findall(log)
    return int(found[-1]) if found else None
