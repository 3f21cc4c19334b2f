"""HTTP GETs for health targets and Cerberus: one seam to the network, never raising."""

from __future__ import annotations

import base64
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass

from undertow.config.judging import HttpCheck


@dataclass(frozen=True)
class Response:
    status: int | None
    """None when no HTTP answer came (refused, timed out, TLS error)."""
    body: bytes = b""
    error: str = ""

    @property
    def detail(self) -> str:
        return str(self.status) if self.status is not None else self.error


def get(
    url: str, *, timeout: float, headers: dict[str, str] | None = None, verify: bool = True
) -> Response:
    """GET `url`; any failure is a `Response` with no status, never an exception."""
    # http(s) only: the config validates every URL as an HttpUrl
    request = urllib.request.Request(url, headers=headers or {}, method="GET")  # noqa: S310
    context = None if verify else _unverified()
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:  # noqa: S310
            return Response(answer.status, answer.read())
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read())
    except (OSError, ValueError) as exc:  # URLError, timeouts, resets, TLS
        reason = getattr(exc, "reason", exc)
        return Response(None, error=f"{type(exc).__name__}: {reason}")


def _unverified() -> ssl.SSLContext:
    """TLS without certificate checks: what `verify_url: false` asks for."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class HttpProbe:
    """One of Krkn's `health_checks.config` entries: healthy when it answers 200."""

    check: HttpCheck

    @property
    def label(self) -> str:
        return self.check.label

    @property
    def exit_on_failure(self) -> bool:
        return self.check.exit_on_failure

    def probe(self) -> tuple[bool, str]:
        response = get(
            str(self.check.url),
            timeout=self.check.timeout,
            headers=self._headers(),
            verify=self.check.verify_url,
        )
        return response.status == 200, response.detail

    def _headers(self) -> dict[str, str]:
        headers = {}
        if self.check.bearer_token:
            headers["Authorization"] = f"Bearer {self.check.bearer_token}"
        elif self.check.auth:
            user, password = _basic_auth(self.check.auth)
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return headers


def _basic_auth(written: str) -> tuple[str, str]:
    """Krkn's "user,password", also written as its docs show it: ("user","password")."""
    user, _, password = written.strip().removeprefix("(").removesuffix(")").partition(",")
    return user.strip().strip("'\""), password.strip().strip("'\"")
