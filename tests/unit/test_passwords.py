"""Passwords: argon2id at OWASP's floor or above, the policy, rehash, equal work."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from pydantic import ValidationError

from shared.errors import Unprocessable
from shared.identity import passwords
from shared.identity.domain import PasswordPolicy
from shared.settings import Settings


def test_hashes_are_argon2id_with_at_least_owasps_parameters() -> None:
    stored = passwords.hash_password("correct horse battery staple")
    parameters = extract_parameters(stored)

    assert stored.startswith("$argon2id$")
    assert parameters.type is Type.ID
    assert parameters.memory_cost >= 19_456
    assert parameters.time_cost >= 2
    assert parameters.parallelism >= 1
    assert passwords.verify(stored, "correct horse battery staple")
    assert not passwords.verify(stored, "correct horse battery stapler")


def test_settings_refuse_parameters_below_the_floor() -> None:
    with pytest.raises(ValidationError, match="argon2_memory_kib"):
        Settings(argon2_memory_kib=8_192)
    with pytest.raises(ValidationError, match="argon2_time_cost"):
        Settings(argon2_time_cost=1)


@pytest.mark.parametrize(
    ("function_mb", "configured", "expected"),
    [
        (None, None, 19_456),  # local: OWASP's floor
        ("256", None, 19_456),
        ("1024", None, 65_536),  # the auth function: a sixteenth of its memory
        ("3008", None, 65_536),  # capped
        ("1024", 32_768, 32_768),  # set explicitly
    ],
)
def test_memory_is_sized_to_the_function_unless_set(
    monkeypatch: pytest.MonkeyPatch, function_mb: str | None, configured: int | None, expected: int
) -> None:
    if function_mb is None:
        monkeypatch.delenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", raising=False)
    else:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", function_mb)
    settings = Settings(argon2_memory_kib=configured)
    monkeypatch.setattr(passwords, "get_settings", lambda: settings)

    assert passwords.memory_cost_kib() == expected


def test_a_hash_made_with_other_parameters_needs_a_rehash() -> None:
    weaker = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
    stronger = PasswordHasher(time_cost=3, memory_cost=32_768, parallelism=1)
    old = weaker.hash("correct horse battery staple")

    assert not weaker.check_needs_rehash(old)
    assert stronger.check_needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("correct horse battery staple"))


def test_an_unknown_account_costs_one_real_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    hasher = passwords.hasher()
    original = PasswordHasher.verify

    def counting(self: PasswordHasher, stored: Any, password: Any) -> bool:
        checked.append(str(stored))
        return original(self, stored, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    known = passwords.hash_password("correct horse battery staple")

    assert passwords.verify(None, "correct horse battery staple") is False
    assert passwords.verify(known, "wrong horse battery staple") is False
    # Both paths ran argon2 once, with the same parameters.
    assert len(checked) == 2
    assert extract_parameters(checked[0]) == extract_parameters(checked[1])
    assert hasher is passwords.hasher()


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 12"),
        ("x" * 129, "at most 128"),
        ("password1234", "too easy"),
        ("aaaaaaaaaaaaaaaa", "too easy"),
        ("abababababababab", "too easy"),
        ("ada.lovelace-2026!", "email"),
    ],
)
def test_the_policy_names_what_is_wrong(password: str, reason: str) -> None:
    with pytest.raises(Unprocessable, match=reason):
        passwords.check_policy(password, email="ada.lovelace@example.com")


def test_a_long_passphrase_passes_the_policy() -> None:
    passwords.check_policy("correct horse battery staple", email="ada@example.com")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("correct horse battery", "at least 24"),
        ("Aaaa-bbbb-aaaa-bbbb-aaaa 1", "at least 14 different"),
        ("correct horse battery staple jump", "upper-case"),
        ("Correct horse battery staple jump", "a digit"),
        ("Correct horse battery staple jump 9", "a symbol"),
    ],
)
def test_a_teams_policy_adds_its_own_rules(password: str, reason: str) -> None:
    policy = PasswordPolicy(
        min_length=24,
        min_unique_characters=14,
        require_uppercase=True,
        require_digit=True,
        require_symbol=True,
    )
    with pytest.raises(Unprocessable, match=reason):
        passwords.check_policy(password, email="ada@example.com", policy=policy)
    passwords.check_policy("Quick brown fox, jumps 12 lazy dogs!", policy=policy)


def test_a_policy_under_the_floor_still_gets_the_floor() -> None:
    lax = PasswordPolicy(min_length=6, min_unique_characters=1)
    with pytest.raises(Unprocessable, match="at least 12"):
        passwords.check_policy("abcdef", policy=lax)
    with pytest.raises(Unprocessable, match="too easy"):
        passwords.check_policy("abababababababab", policy=lax)
