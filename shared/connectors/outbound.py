"""Requests from the connector_runner to a team's servers: the URL policy at each send (and
each redirect), a timeout, and an answer read as a stream up to a size cap.

Deployed the policy is strict (https to public addresses only, the address checked at the
send and connected to: shared.url_policy.pinned_request); locally and in tests loopback is
allowed, as for webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from shared.connectors.errors import ConnectorError
from shared.settings import get_settings
from shared.url_policy import PinnedRequest, UrlRefused, pinned_request

TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
USER_AGENT = "agent-platform-connectors/1"


def strict_urls() -> bool:
    """Deployed, only https to public addresses (shared.url_policy); locally loopback too."""
    return not get_settings().is_local


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def pinned(url: str, field: str) -> PinnedRequest:
    """What to send for `url` now (shared.url_policy.pinned_request); ConnectorError
    `refused` naming `field` when the policy does not let us reach it."""
    try:
        return pinned_request(url, strict=strict_urls(), field=field)
    except UrlRefused as exc:
        raise ConnectorError("refused", exc.detail) from exc


def request(
    method: str,
    url: str,
    *,
    field: str,
    max_bytes: int,
    params: dict[str, str] | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    follow_redirects: bool = False,
) -> Answer:
    """One request (redirects followed only when asked, each target checked again), its
    answer read up to `max_bytes`; every failure a ConnectorError."""
    for _ in range(MAX_REDIRECTS + 1):
        answer, location = _send(method, url, field, max_bytes, params, json_body, headers)
        if location is None or not follow_redirects:
            return answer
        url, params = urljoin(url, location), None
    raise ConnectorError("unreachable", f"{field} redirected more than {MAX_REDIRECTS} times")


def _send(
    method: str,
    url: str,
    field: str,
    max_bytes: int,
    params: dict[str, str] | None,
    json_body: Any,
    headers: dict[str, str] | None,
) -> tuple[Answer, str | None]:
    target = pinned(url, field)
    sent = {"user-agent": USER_AGENT, **(headers or {}), **target.headers}
    try:
        with (
            httpx.Client(
                transport=httpx.HTTPTransport(retries=0),
                timeout=TIMEOUT_SECONDS,
                follow_redirects=False,
            ) as client,
            client.stream(
                method,
                target.url,
                params=params,
                json=json_body,
                headers=sent,
                extensions=target.extensions,
            ) as response,
        ):
            if response.is_redirect and "location" in response.headers:
                return Answer(response.status_code, "", b""), response.headers["location"]
            body = _read_capped(response, field, max_bytes)
    except httpx.TimeoutException as exc:
        raise ConnectorError(
            "timeout", f"{field} did not answer within {TIMEOUT_SECONDS:g} s"
        ) from exc
    except httpx.HTTPError as exc:
        # The class names the failure; its text may carry an address of ours.
        raise ConnectorError(
            "unreachable", f"{field} could not be reached ({type(exc).__name__})"
        ) from exc
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return Answer(response.status_code, content_type, body), None


def _read_capped(response: httpx.Response, field: str, max_bytes: int) -> bytes:
    too_large = ConnectorError("too_large", f"{field} answered more than {_size(max_bytes)}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:  # stop reading: the rest is never held
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _size(count: int) -> str:
    return f"{count // (1024 * 1024)} MB" if count >= 1024 * 1024 else f"{count // 1024} KB"
