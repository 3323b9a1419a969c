"""Where a team may point an SSH connection: deployed, only at a public address.

The runner connects from inside our network, so a host at a private, loopback or
link-local address (the instance metadata service, a database in the VPC) would make it
reach there: refused when `strict` (deployed), with shared.url_policy's address checks, at
create and update and again at each connection, which goes to the very address just
checked (a name's DNS answer may change after the first check). Locally and in tests the
SSH server listens on loopback, so the name is used as it is.
"""

from __future__ import annotations

from shared.settings import get_settings
from shared.url_policy import Resolver, public_addresses


def strict_hosts() -> bool:
    """Deployed, only public addresses; locally loopback too (as webhooks decide)."""
    return not get_settings().is_local


def connect_address(
    hostname: str, *, strict: bool, field: str = "hostname", resolve: Resolver | None = None
) -> str:
    """The address to connect to for `hostname`: when `strict`, one it resolves to now, all
    of which are public (else UrlRefused, 422, naming `field`); otherwise the name itself."""
    if not strict:
        return hostname
    return str(public_addresses(hostname, field=field, resolve=resolve)[0])
