"""Which addresses a team's rules let through, decided in O(log n) per address.

Semantics: the most specific rule whose network holds the address decides (the longest
prefix, as routers match); a network that is both allowed and blocked is blocked. An
address no rule holds is let through, unless the team has any allow rule: then its allow
rules are an allow-list and everything else is refused. An IPv4-mapped IPv6 address
(`::ffff:192.0.2.1`) is its IPv4 address, and a rule for such a network an IPv4 rule.

How: CIDR networks are either nested or disjoint, so the rules of one address family cut
its address space into consecutive intervals, each with one deciding action (or none).
Compiling sorts the networks once and sweeps them with a stack of the open ones; a lookup
is one `bisect` over the intervals' starts, whatever the number of rules.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Action = Literal["allow", "block"]
ACTIONS: tuple[Action, ...] = ("allow", "block")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


def parse_network(text: str) -> Network:
    """The network `text` names (`192.0.2.0/24`, `2001:db8::/32`, or one address); host
    bits are cleared (`10.1.2.3/8` is `10.0.0.0/8`). ValueError saying why otherwise."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"'{text}' is not an IPv4 or IPv6 address or CIDR network") from None
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(_MAPPED):
        mapped = int(network.network_address) & 0xFFFF_FFFF
        return ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return network


@lru_cache(maxsize=4096)
def parse_address(text: str) -> Address | None:
    """The caller's address, or None when `text` is not one (a local test client's name).
    Cached: a container sees the same few callers again and again."""
    try:
        address = ipaddress.ip_address(text.partition("%")[0].strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True, slots=True)
class _Intervals:
    """One address family's space cut at `starts`: from starts[i] up to starts[i + 1],
    actions[i] decides (None: no rule holds those addresses)."""

    starts: list[int]
    actions: list[Action | None]

    def lookup(self, value: int) -> Action | None:
        at = bisect_right(self.starts, value) - 1
        return self.actions[at] if at >= 0 else None


def _outer_first(item: tuple[tuple[int, int], Action]) -> tuple[int, int]:
    (first, last), _ = item
    return first, -last


def _intervals(networks: dict[tuple[int, int], Action]) -> _Intervals:
    starts: list[int] = []
    actions: list[Action | None] = []

    def cut(at: int, action: Action | None) -> None:
        if starts and starts[-1] == at:  # a later cut at the same place is the inner one
            actions[-1] = action
        else:
            starts.append(at)
            actions.append(action)

    open_networks: list[tuple[int, Action]] = []  # (last address, action), innermost last
    # Outer networks first where two start together, so the inner one is cut after.
    for (first, last), action in sorted(networks.items(), key=_outer_first):
        while open_networks and open_networks[-1][0] < first:
            end, _ = open_networks.pop()
            cut(end + 1, open_networks[-1][1] if open_networks else None)
        open_networks.append((last, action))
        cut(first, action)
    while open_networks:
        end, _ = open_networks.pop()
        cut(end + 1, open_networks[-1][1] if open_networks else None)
    return _Intervals(starts, actions)


# (address family, first address, last address) of a network, as integers.
Span = tuple[int, int, int]


def span_of(network: Network) -> Span:
    return network.version, int(network.network_address), int(network.broadcast_address)


def span_of_normalized(cidr: str) -> Span:
    """The span of a network stored as `parse_network` wrote it (`<address>/<length>`),
    read without building a network object: compiling a team's rules again each freshness
    window costs a parse of each address, a few times faster than `ip_network`."""
    text, _, length = cidr.partition("/")
    if ":" in text:
        version, bits, value = 6, 128, int(ipaddress.IPv6Address(text))
    else:
        version, bits, value = 4, 32, int(ipaddress.IPv4Address(text))
    size = 1 << (bits - (int(length) if length else bits))
    first = value & ~(size - 1)  # host bits cleared, whatever was stored
    return version, first, first + size - 1


@lru_cache(maxsize=4096)
def _address_key(text: str) -> tuple[int, int] | None:
    """(family, integer) of a caller's address, None when it is not one; cached per text."""
    address = parse_address(text)
    return None if address is None else (address.version, int(address))


class RuleSet:
    """A team's rules, compiled; `permits(address)` is the check every request pays."""

    __slots__ = ("_v4", "_v6", "has_allow", "size")

    def __init__(self, rules: Iterable[tuple[Network, Action]] = ()) -> None:
        self._compile((span_of(network), action) for network, action in rules)

    @classmethod
    def from_normalized(cls, rules: Iterable[tuple[str, Action]]) -> RuleSet:
        """Rules whose networks are as `parse_network` normalized them (as stored)."""
        compiled = cls.__new__(cls)
        compiled._compile((span_of_normalized(cidr), action) for cidr, action in rules)
        return compiled

    def _compile(self, rules: Iterable[tuple[Span, Action]]) -> None:
        by_family: dict[int, dict[tuple[int, int], Action]] = {4: {}, 6: {}}
        self.has_allow = False
        self.size = 0
        for (version, first, last), action in rules:
            self.size += 1
            self.has_allow = self.has_allow or action == "allow"
            networks = by_family[version]
            if networks.get((first, last)) != "block":  # both allowed and blocked: blocked
                networks[first, last] = action
        self._v4 = _intervals(by_family[4])
        self._v6 = _intervals(by_family[6])

    def permits(self, address_text: str) -> bool:
        if not self.size:
            return True
        key = _address_key(address_text)
        if key is None:
            # Not an address (never so behind API Gateway): it matches no rule.
            return not self.has_allow
        action = (self._v4 if key[0] == 4 else self._v6).lookup(key[1])
        if action is None:
            return not self.has_allow
        return action == "allow"


EMPTY = RuleSet()
