"""The volume side of a PVC fill, pure: read `df`, size the file, the command that writes it.

Usage is measured as Krkn does, inside the pod with `df` on the mount path: capacity is
used + available (the blocks reserved for root are not the pod's to fill).
"""

from __future__ import annotations

from dataclasses import dataclass

from undertow.errors import ScenarioError

DF_COMMAND = ["df", "-P", "-k"]
"""POSIX output in KiB (busybox and coreutils agree): one line per file system."""


@dataclass(frozen=True)
class Usage:
    """A file system's usage as the pod sees it, in bytes."""

    used: int
    available: int

    @property
    def capacity(self) -> int:
        return self.used + self.available

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.capacity if self.capacity else 100.0


def parse_df(output: str) -> Usage:
    """The usage from `df -P -k <path>`: the last line's used and available columns."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    fields = lines[-1].split() if len(lines) >= 2 else []
    try:
        used, available = int(fields[2]), int(fields[3])
    except (IndexError, ValueError):
        raise ScenarioError(f"cannot read the volume's usage from df: {output.strip()!r}") from None
    return Usage(used * 1024, available * 1024)


def bytes_to_fill(usage: Usage, target_percent: float) -> int:
    """Bytes to write so that usage reaches `target_percent`; refuses a fill the volume
    cannot take (already at or above the target, or not enough space)."""
    wanted = int(usage.capacity * target_percent / 100) - usage.used
    if wanted <= 0:
        raise ScenarioError(
            f"the volume is already {usage.percent:.1f}% full, not below the "
            f"fill_percentage {target_percent:g}%: nothing to fill"
        )
    if wanted > usage.available:
        raise ScenarioError(
            f"the volume has {usage.available} bytes free, {wanted} needed to reach "
            f"{target_percent:g}%"
        )
    return wanted


def fill_command(path: str, size: int, block_size: int) -> list[str]:
    """Write `size` bytes at `path`: fallocate, else dd from /dev/urandom (as Krkn), in
    whole blocks of `block_size` plus one partial block. Values are arguments, never shell
    text."""
    script = (
        'fallocate -l "$2" "$1" 2>/dev/null && exit 0; rm -f -- "$1"; '
        'dd if=/dev/urandom of="$1" bs="$3" count="$4" 2>&1 && '
        '{ [ "$5" = 0 ] || dd if=/dev/urandom bs="$5" count=1 2>/dev/null >> "$1"; } && sync'
    )
    blocks, rest = divmod(size, block_size)
    return ["sh", "-c", script, "fill", path, str(size), str(block_size), str(blocks), str(rest)]
