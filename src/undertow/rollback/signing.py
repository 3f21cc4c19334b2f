"""Version files are signed: an HMAC-SHA256 binds each file to its run and to its writer.

The executor never runs a file's code, but it does act on the file's data: whoever can edit
the `UNDO` literal chooses what `rollback execute` deletes. So every version file ends with
one comment line,

    # undertow-mac: hmac-sha256:<64 hex digits>

the HMAC of everything before that line and of where the file lives (its context directory
and its name, without `.executed`), keyed by the journal key (the embedded undo code, the
same ~73 KB in every file, enters it as its SHA-256, computed once: see `_message`): a
per-user secret kept outside the versions dir (`$XDG_CONFIG_HOME/undertow/journal.key` by
default, created 0600 on first use; `UNDERTOW_JOURNAL_KEY` or the config's
`rollback.journal_key` name another file, e.g. a mounted Secret). The file stays a
readable, runnable script: the MAC is a comment. A file without a valid MAC is untrusted
and refused: edited, moved from another run, written before files were signed, or signed
with another key.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from undertow import errors
from undertow.config.settings import JOURNAL_KEY_ENV, default_journal_key
from undertow.rollback import reading, safety, template
from undertow.rollback.naming import EXECUTED_SUFFIX

MAC_PREFIX = "# undertow-mac: hmac-sha256:"
_MAC_LINE = re.compile(rb"# undertow-mac: hmac-sha256:(?P<mac>[0-9a-f]{64})\n")
MAC_LINE_BYTES = len(MAC_PREFIX) + 64 + 1
_DOMAIN = b"undertow version file\x00"
_KEY_BYTES = 32


def location(path: Path) -> str:
    """What a version file's MAC binds it to: `<context dir>/<name without .executed>`."""
    name = path.name.removesuffix(EXECUTED_SUFFIX)
    return f"{path.parent.name}/{name}"


@dataclass(frozen=True)
class JournalKey:
    """The secret version files are signed with, and the file it was read from."""

    path: Path
    secret: bytes = field(repr=False)

    def _mac(self, where: str, body: bytes) -> str:
        return hmac.new(self.secret, _message(where, body), hashlib.sha256).hexdigest()

    def sign(self, where: str, text: str) -> str:
        """`text` (a rendered version file) with its MAC line appended."""
        return f"{text}{MAC_PREFIX}{self._mac(where, text.encode('utf-8'))}\n"

    def signed_file(self, where: str, head: str) -> tuple[bytes, bytes, bytes]:
        """The version file `head + template.code_part()` with its MAC line, as the bytes to
        write: (head, today's code part, MAC line). Same bytes as `sign` gives, but the code
        part is neither copied nor encoded again, and enters the MAC by its digest (computed
        once): per file, only the head is encoded and hashed."""
        code, digest = _code()
        encoded = head.encode("utf-8")
        mac = hmac.new(self.secret, _joined(where, encoded, digest), hashlib.sha256).hexdigest()
        return encoded, code, f"{MAC_PREFIX}{mac}\n".encode("ascii")

    def verify(self, where: str, data: bytes) -> bytes:
        """The signed part of `data` (the MAC line removed); TamperedVersionFile if the MAC
        is missing or wrong."""
        start = data.rfind(b"\n", 0, len(data) - 1) + 1
        line = _MAC_LINE.fullmatch(data, start)
        if line is None:
            raise errors.TamperedVersionFile(
                "untrusted: it has no undertow MAC line (not written by this undertow, or "
                "written before version files were signed); nothing in it was run"
            )
        body = data[:start]
        if not hmac.compare_digest(line["mac"].decode(), self._mac(where, body)):
            raise errors.TamperedVersionFile(
                "untrusted: its MAC does not match (edited after undertow wrote it, moved "
                f"from another run, or signed with another key than {self.path}); "
                "nothing in it was run"
            )
        return body

    def signed_head(self, where: str, head: bytes, end: bytes, size: int) -> bool:
        """Whether a version file of `size` bytes that begins with `head` (`head_size(size)`
        bytes) and ends with `end` was signed, by its MAC line, as that head followed by
        today's code part (`signed_file`). False for an earlier undertow's code or a problem:
        `verify` on the whole file then says which.

        What listing reads: the head and the MAC line, not the ~73 KB of shared code between
        them. A file whose code part was edited after signing, to the same length, is still
        listed with its header; `verify` refuses it before anything in it is used."""
        line = _MAC_LINE.search(end, max(0, len(end) - MAC_LINE_BYTES))
        if line is None or line.end() != len(end) or len(head) != head_size(size):
            return False
        expected = hmac.new(self.secret, _joined(where, head, _code()[1]), hashlib.sha256)
        return hmac.compare_digest(line["mac"].decode(), expected.hexdigest())


def head_size(size: int) -> int:
    """How long the head of a version file of `size` bytes is if it carries today's code."""
    return size - MAC_LINE_BYTES - len(_code()[0])


@functools.cache
def _code() -> tuple[bytes, bytes]:
    """Today's undo code part, and its SHA-256."""
    code = template.code_part().encode("utf-8")
    return code, hashlib.sha256(code).digest()


def _message(where: str, body: bytes) -> bytes:
    """What the MAC covers: the place, then the body as `head + SHA-256(code)`, split where
    the code part begins (its marker line: no line of the head can be one, since every value
    there is printed on one line or as a repr), the body whole with an empty code when it has
    no marker. The split is a function of the body, so any change to it changes the MAC;
    today's code is hashed once, which keeps listing thousands of files fast. A file an
    earlier undertow wrote splits the same way, with its own code: it still verifies after an
    upgrade (whether that code is a known release's is `template.parse`'s to say)."""
    code, code_digest = _code()
    if body.endswith(code):
        head, digest = body[: len(body) - len(code)], code_digest
    else:
        start = _code_start(body)
        head, digest = body[:start], hashlib.sha256(body[start:]).digest()
    return _joined(where, head, digest)


def _joined(where: str, head: bytes, code_digest: bytes) -> bytes:
    return _DOMAIN + where.encode("utf-8") + b"\x00" + head + b"\x00" + code_digest


def _code_start(body: bytes) -> int:
    """Where the code part of `body` begins: its first marker line (the end when none)."""
    markers = (template.MARKER, *template.EARLIER_MARKERS)
    starts = [body.find(b"\n" + marker.encode("utf-8")) + 1 for marker in markers]
    return min((s for s in starts if s > 0), default=len(body))


def key_path_from_environment(env: Mapping[str, str]) -> Path:
    """$UNDERTOW_JOURNAL_KEY, else the default (`undertow.config.default_journal_key`)."""
    if env.get(JOURNAL_KEY_ENV, "").strip():
        return Path(env[JOURNAL_KEY_ENV]).expanduser()
    return default_journal_key(env)


def load_key(path: Path | None = None) -> JournalKey:
    """The journal key at `path` (default: from the environment), created if missing.

    Raises errors.JournalError naming the file if it cannot be created or is unsafe: a key
    others could write would let them sign version files.
    """
    path = key_path_from_environment(os.environ) if path is None else path
    try:
        if not path.exists():
            _create(path)
        raw = reading.read_regular(
            path, limit=reading.SMALL_FILE_LIMIT, follow_symlinks=True, check=_key_checker(path)
        )
        secret = bytes.fromhex(raw.decode("ascii").strip())
    except (OSError, ValueError, errors.JournalError) as exc:
        raise errors.JournalError(f"cannot use the journal key {path}: {exc}") from exc
    if len(secret) < _KEY_BYTES:
        raise errors.JournalError(
            f"cannot use the journal key {path}: it holds {len(secret)} bytes, "
            f"expected at least {_KEY_BYTES} (64 hex digits)"
        )
    return JournalKey(path, secret)


def _key_checker(path: Path) -> reading.Check:
    """Owned by you or root (a mounted Secret), not writable by others, not world-readable."""

    def check(st: os.stat_result) -> None:
        if st.st_uid not in (os.geteuid(), 0):
            problem = f"it is owned by uid {st.st_uid}"
        elif st.st_mode & (stat.S_IWGRP | stat.S_IWOTH | stat.S_IROTH):
            problem = f"its mode is {stat.S_IMODE(st.st_mode):04o} (fix with: chmod 600 {path})"
        else:
            return
        raise errors.TamperedVersionFile(f"{problem}; refused")

    return check


def _create(path: Path) -> None:
    """A new random key, 0600, in a 0700 directory; a key created meanwhile is kept."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    safety.check_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    try:
        os.write(fd, secrets.token_hex(_KEY_BYTES).encode("ascii") + b"\n")
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    os.close(fd)
