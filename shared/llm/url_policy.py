"""Where a team may point a provider: deployed, only https to a public address.

A provider's `base_url` is fetched by our functions with the team's key, so a URL at a
private, loopback or link-local address (the instance metadata service, say) would make
them reach inside our network: refused in `aws` mode. Locally and in tests the fake
provider servers listen on loopback over http, so only the shape is checked there.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from shared.errors import Unprocessable

Resolver = Callable[..., Sequence[tuple[Any, ...]]]
# A name or IPv4 address; or an IPv6 address, which urlsplit gives without its brackets.
_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")
_PRINTABLE = re.compile(r"[!-~]+")


def check_base_url(url: str, *, strict: bool, resolve: Resolver = socket.getaddrinfo) -> str:
    """`url` without a trailing slash; Unprocessable (422) saying why when it may not be used."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # a bracketed host that is no IP address, say
        raise Unprocessable("base_url is not a URL: its host or port is malformed") from exc
    allowed = ("https",) if strict else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise Unprocessable(f"base_url must be an {' or '.join(allowed)} URL with a host")
    if parts.username or parts.password:
        raise Unprocessable("base_url must not carry credentials; give the key as api_key")
    if parts.query or parts.fragment:
        raise Unprocessable("base_url must not have a query or a fragment")
    # What the document's pattern allows (shared.llm.registry.schemas.URL_PATTERN): a host
    # name or IPv4 address, then printable ASCII (an HTTP client refuses anything else).
    if not _HOST.fullmatch(parts.hostname) or not _PRINTABLE.fullmatch(url.strip()):
        raise Unprocessable("base_url must be a host name or an IPv4 address in printable ASCII")
    try:
        parts.port  # noqa: B018 (reading it checks the range)
        if ":" in parts.hostname:
            ipaddress.IPv6Address(parts.hostname)
    except ValueError as exc:
        raise Unprocessable("base_url has a port out of range or a malformed address") from exc
    if strict:
        for address in _addresses(parts.hostname, resolve):
            if not address.is_global:
                raise Unprocessable(
                    "base_url must point at a public address, not a private, loopback or "
                    "link-local one"
                )
    return url.strip().rstrip("/")


def _addresses(host: str, resolve: Resolver) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass  # a name: every address it resolves to must be public
    try:
        found = resolve(host, 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise Unprocessable(f"base_url host {host!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(entry[4][0]).split("%")[0]) for entry in found]
    if not addresses:
        raise Unprocessable(f"base_url host {host!r} does not resolve")
    return addresses
