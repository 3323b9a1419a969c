"""Where a team may point us: deployed, only https to a public address.

A provider's `base_url` and a webhook's `url` are fetched by our functions, so a URL at a
private, loopback or link-local address (the instance metadata service, say) would make
them reach inside our network: refused when `strict` (deployed). Locally and in tests the
fake servers listen on loopback over http, so only the shape is checked there.

Checking a name once is not enough: its DNS answer can change to a private address after
the check (DNS rebinding). `pinned_request` resolves again at each send, refuses a private
answer and connects to the very address it checked (the name kept for TLS and `Host`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple
from urllib.parse import SplitResult, urlsplit, urlunsplit

from shared.errors import Unprocessable

Resolver = Callable[..., Sequence[tuple[Any, ...]]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# A name or IPv4 address; or an IPv6 address, which urlsplit gives without its brackets.
_HOST = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")
_PRINTABLE = re.compile(r"[!-~]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlRefused(Unprocessable):
    """422 at the API; at send time, the reason a delivery was not attempted."""


def check_url(
    url: str,
    *,
    strict: bool,
    field: str = "url",
    allow_query: bool = False,
    resolve: Resolver | None = None,
) -> str:
    """`url` trimmed; UrlRefused (422) naming `field` and saying why when it may not be used."""
    url = url.strip()
    parts = _shape(url, strict=strict, field=field, allow_query=allow_query)
    if strict:
        public_addresses(parts.hostname or "", field=field, resolve=resolve)
    return url


def _shape(url: str, *, strict: bool, field: str, allow_query: bool) -> SplitResult:
    """The parts of a trimmed `url` whose shape may be used (no lookup)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # a bracketed host that is no IP address, say
        raise UrlRefused(f"{field} is not a URL: its host or port is malformed") from exc
    allowed = ("https",) if strict else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise UrlRefused(f"{field} must be an {' or '.join(allowed)} URL with a host")
    if parts.username or parts.password:
        raise UrlRefused(f"{field} must not carry credentials")
    if (parts.query and not allow_query) or parts.fragment:
        what = "a fragment" if allow_query else "a query or a fragment"
        raise UrlRefused(f"{field} must not have {what}")
    # A host name or IP address, then printable ASCII (an HTTP client refuses anything else).
    if not _HOST.fullmatch(parts.hostname) or not _PRINTABLE.fullmatch(url):
        raise UrlRefused(f"{field} must be a host name or an IP address in printable ASCII")
    if ":" in parts.hostname:
        # What the documents' patterns say: a pattern cannot tell a well-formed IPv6 literal
        # from a malformed one, so an IPv6 endpoint goes by its name (resolved, it may be
        # IPv6: the address checked and pinned is).
        raise UrlRefused(f"{field} must name its host or give an IPv4 address, not IPv6")
    try:
        parts.port  # noqa: B018 (reading it checks the range)
    except ValueError as exc:
        raise UrlRefused(f"{field} has a port out of range") from exc
    return parts


def public_addresses(
    host: str, *, field: str = "url", resolve: Resolver | None = None
) -> list[Address]:
    """Every address `host` is (an IP) or resolves to, all public; else UrlRefused."""
    addresses = _addresses(host, field, resolve)
    if any(not address.is_global for address in addresses):
        raise UrlRefused(
            f"{field} must point at a public address, not a private, loopback or link-local one"
        )
    return addresses


class PinnedRequest(NamedTuple):
    """What to send instead of the URL: the checked address in the URL, the name kept in
    `Host` and (https) as the TLS server name, so the certificate is checked for the name."""

    url: str
    headers: dict[str, str]
    extensions: dict[str, Any]


def pinned_request(
    url: str, *, strict: bool, field: str = "url", resolve: Resolver | None = None
) -> PinnedRequest:
    """The URL checked again now (UrlRefused if it may not be used) and, when `strict`,
    rewritten to connect to an address that was just checked public. Locally the URL is
    sent as it is: loopback is allowed there, so there is nothing to pin against."""
    url = url.strip()
    parts = _shape(url, strict=strict, field=field, allow_query=True)
    if not strict:
        return PinnedRequest(url, {}, {})
    host = parts.hostname or ""
    address = public_addresses(host, field=field, resolve=resolve)[0]
    port = parts.port
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = literal if port is None else f"{literal}:{port}"
    # `host` is a name or an IPv4 address (_shape refuses an IPv6 literal): no brackets.
    host_header = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return PinnedRequest(
        urlunsplit(parts._replace(netloc=netloc)), {"Host": host_header}, extensions
    )


def _addresses(host: str, field: str, resolve: Resolver | None) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass  # a name: every address it resolves to must be public
    try:
        # Looked up at the call: a test (or a caller) may stand in its own resolver.
        found = (resolve or socket.getaddrinfo)(host, 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise UrlRefused(f"{field} host {host!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(entry[4][0]).split("%")[0]) for entry in found]
    if not addresses:
        raise UrlRefused(f"{field} host {host!r} does not resolve")
    return addresses
