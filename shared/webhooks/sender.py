"""One HTTP attempt of a delivery: POST the signed body, 15 s at most, no redirects
followed; 2xx is success, anything else (or no answer) a failure to retry.

The URL is checked again at each attempt (shared.url_policy.pinned_request): deployed, the
name is resolved now, every address must be public, and the connection goes to the address
checked. Each attempt has a connection of its own: a pooled connection to an address,
opened with another name's TLS server name, must never be reused for this one.
"""

from __future__ import annotations

import ssl
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any, NamedTuple

from shared.url_policy import Resolver, UrlRefused, pinned_request

TIMEOUT_SECONDS = 15.0
USER_AGENT = "software-factory-webhooks/1"


class Outcome(NamedTuple):
    """What an attempt came to: the receiver's status (None when it never answered)."""

    ok: bool
    response_code: int | None
    latency_ms: int
    error: str | None = None
    # The receiver's Retry-After in seconds (429 and 503 only).
    retry_after: int | None = None


@cache
def _tls() -> ssl.SSLContext:
    # Built once per container (loading the CA bundle costs ~10 ms); every client shares it.
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def post(
    url: str,
    body: str,
    headers: dict[str, str],
    *,
    strict: bool,
    resolve: Resolver | None = None,
    transport: Any = None,
) -> Outcome:
    """Send one attempt. `transport`: an httpx transport for tests (none: the network)."""
    import httpx

    try:
        pinned = pinned_request(url, strict=strict, resolve=resolve)
    except UrlRefused as exc:
        return Outcome(False, None, 0, f"refused: {exc.detail}")
    sent = {
        **headers,
        **pinned.headers,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    started = time.perf_counter()
    try:
        with httpx.Client(
            transport=transport or httpx.HTTPTransport(verify=_tls(), retries=0),
            timeout=TIMEOUT_SECONDS,
            follow_redirects=False,
        ) as client:
            answer = client.post(
                pinned.url, content=body.encode(), headers=sent, extensions=pinned.extensions
            )
    except httpx.TimeoutException:
        return Outcome(False, None, _since(started), f"no answer within {TIMEOUT_SECONDS:g} s")
    except httpx.HTTPError as exc:
        # The class names the failure (ConnectError, RemoteProtocolError...); its text may
        # carry an address of ours, so it is not recorded.
        return Outcome(False, None, _since(started), f"connection failed: {type(exc).__name__}")
    code = answer.status_code
    if 200 <= code < 300:
        return Outcome(True, code, _since(started))
    error = "redirect not followed" if 300 <= code < 400 else f"answered {code}"
    retry_after = (
        retry_after_seconds(answer.headers.get("retry-after")) if code in (429, 503) else None
    )
    return Outcome(False, code, _since(started), error, retry_after)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> int | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date; None if neither."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int((moment - (now or datetime.now(UTC))).total_seconds()))


def _since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
