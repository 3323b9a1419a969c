"""The IP rule matcher: the most specific rule decides, block wins a tie, allow rules make
an allow-list; checked against a plain reading of the rules over random rule sets."""

from __future__ import annotations

import ipaddress
import random

import pytest

from shared.ip_rules.matcher import Action, Network, RuleSet, parse_address, parse_network


def rules(*pairs: tuple[str, Action]) -> RuleSet:
    return RuleSet((parse_network(cidr), action) for cidr, action in pairs)


def test_no_rules_let_every_address_through() -> None:
    assert RuleSet().permits("203.0.113.9")
    assert RuleSet().permits("2001:db8::1")
    assert RuleSet().permits("testclient")


def test_a_blocked_network_refuses_its_addresses_only() -> None:
    blocked = rules(("203.0.113.0/24", "block"), ("2001:db8:bad::/48", "block"))

    assert not blocked.permits("203.0.113.0")
    assert not blocked.permits("203.0.113.255")
    assert blocked.permits("203.0.114.0")
    assert blocked.permits("203.0.112.255")
    assert not blocked.permits("2001:db8:bad:1::7")
    assert blocked.permits("2001:db8:bae::1")


def test_allow_rules_are_an_allow_list() -> None:
    allowed = rules(("198.51.100.0/24", "allow"))

    assert allowed.permits("198.51.100.42")
    assert not allowed.permits("198.51.101.1")
    # An IPv6 caller matches no IPv4 rule: outside the list.
    assert not allowed.permits("2001:db8::1")
    # Not an address at all: no rule holds it.
    assert not allowed.permits("testclient")


def test_the_most_specific_rule_decides_either_way() -> None:
    nested = rules(
        ("10.0.0.0/8", "block"),
        ("10.1.0.0/16", "allow"),
        ("10.1.2.0/24", "block"),
        ("10.1.2.3/32", "allow"),
    )

    assert not nested.permits("10.9.9.9")
    assert nested.permits("10.1.9.9")
    assert not nested.permits("10.1.2.4")
    assert nested.permits("10.1.2.3")
    # Past the /16's end, the /8 decides again.
    assert not nested.permits("10.2.0.0")
    # The team has allow rules: an address outside every rule is refused.
    assert not nested.permits("11.0.0.1")


def test_a_network_both_allowed_and_blocked_is_blocked() -> None:
    both = rules(("192.0.2.0/24", "allow"), ("192.0.2.0/24", "block"))
    reversed_order = rules(("192.0.2.0/24", "block"), ("192.0.2.0/24", "allow"))

    assert not both.permits("192.0.2.1")
    assert not reversed_order.permits("192.0.2.1")


def test_ipv4_mapped_addresses_and_rules_are_ipv4() -> None:
    assert parse_network("::ffff:192.0.2.0/120") == ipaddress.IPv4Network("192.0.2.0/24")
    blocked = rules(("192.0.2.0/24", "block"))

    assert not blocked.permits("::ffff:192.0.2.7")
    assert parse_address("::ffff:192.0.2.7") == ipaddress.IPv4Address("192.0.2.7")


def test_networks_are_normalized_and_nonsense_refused() -> None:
    assert str(parse_network(" 10.1.2.3/8 ")) == "10.0.0.0/8"
    assert str(parse_network("2001:db8::1")) == "2001:db8::1/128"
    for text in ("10.0.0.0/33", "300.1.1.1", "not-an-ip", "2001:db8::/129", ""):
        with pytest.raises(ValueError, match="is not an IPv4 or IPv6"):
            parse_network(text)


def test_a_scoped_ipv6_address_is_its_address() -> None:
    assert not rules(("fe80::/10", "block")).permits("fe80::1%eth0")


def _plain_reading(pairs: list[tuple[Network, Action]], address: str) -> bool:
    """The rules read one by one: the longest prefix holding the address, block on a tie."""
    parsed = parse_address(address)
    assert parsed is not None
    holding = [(net.prefixlen, act) for net, act in pairs if parsed in net]
    if not holding:
        return not any(act == "allow" for _, act in pairs)
    longest = max(length for length, _ in holding)
    return "block" not in {act for length, act in holding if length == longest}


def _random_network(rng: random.Random, version: int) -> Network:
    bits = 32 if version == 4 else 128
    # Short prefixes in a small region so networks nest and overlap often.
    length = rng.randint(bits - 12, bits)
    address = (0x0A000000 if version == 4 else 0x20010DB8 << 96) + rng.getrandbits(12)
    return ipaddress.ip_network((address, length), strict=False)


@pytest.mark.parametrize("seed", range(25))
def test_the_compiled_rules_agree_with_the_plain_reading(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, no secret
    pairs: list[tuple[Network, Action]] = [
        (_random_network(rng, rng.choice((4, 6))), rng.choice(("allow", "block")))
        for _ in range(rng.randint(1, 60))
    ]
    compiled = RuleSet(pairs)

    for _ in range(400):
        version = rng.choice((4, 6))
        base = 0x0A000000 if version == 4 else 0x20010DB8 << 96
        value = base + rng.getrandbits(13) - 8  # around and past the region's edges
        address = str(ipaddress.ip_address(value))
        assert compiled.permits(address) == _plain_reading(pairs, address), (seed, address)


@pytest.mark.parametrize("seed", range(5))
def test_rules_read_back_as_stored_compile_the_same(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, no secret
    pairs: list[tuple[Network, Action]] = [
        (_random_network(rng, rng.choice((4, 6))), rng.choice(("allow", "block")))
        for _ in range(50)
    ]
    compiled = RuleSet(pairs)
    stored = RuleSet.from_normalized((str(network), action) for network, action in pairs)

    for _ in range(200):
        base = 0x0A000000 if rng.random() < 0.5 else 0x20010DB8 << 96
        address = str(ipaddress.ip_address(base + rng.getrandbits(13) - 8))
        assert stored.permits(address) == compiled.permits(address)
