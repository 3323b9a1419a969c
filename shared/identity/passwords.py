"""Passwords: argon2id hashes (argon2-cffi), the policy, and equal work for unknown emails.

Parameters come from settings (at least OWASP's m=19 MiB, t=2, p=1), the memory sized to
the function's unless set; a hash made with other parameters is flagged for rehash at
the next successful sign-in.
"""

from __future__ import annotations

import os
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.errors import Unprocessable
from shared.identity.domain import (
    PASSWORD_FLOOR_LENGTH,
    PASSWORD_FLOOR_UNIQUE,
    PASSWORD_MAX_LENGTH,
    PasswordPolicy,
)
from shared.settings import get_settings

MIN_LENGTH = PASSWORD_FLOOR_LENGTH
# Long enough for any passphrase; short enough that hashing it is no denial of service.
MAX_LENGTH = PASSWORD_MAX_LENGTH
FLOOR = PasswordPolicy()
# The most used passwords of at least MIN_LENGTH (public breach lists); refused outright.
COMMON = frozenset(
    {
        "123456789012",
        "1234567890123",
        "password1234",
        "password12345",
        "passwordpassword",
        "qwertyuiopasdf",
        "qwerty123456",
        "iloveyou1234",
        "administrator",
        "letmein12345",
        "welcome12345",
        "changeme1234",
        "aaaaaaaaaaaa",
        "abcdefghijkl",
        "abc123abc123",
        "111111111111",
        "000000000000",
    }
)

# What every policy refuses, as GET /security/password-policy states it.
ALWAYS_REFUSED = (
    "one of the most used passwords",
    f"fewer than {PASSWORD_FLOOR_UNIQUE} different characters",
    "the email address's local part (4 characters or more) inside it",
)

OWASP_MIN_MEMORY_KIB = 19_456
# Sized to the function: a sixteenth of its memory, between OWASP's floor and 64 MiB
# (the auth function's 1024 MB gives 64 MiB: ~140 ms of a full core per hash, measured).
MAX_SIZED_MEMORY_KIB = 65_536


def memory_cost_kib() -> int:
    configured = get_settings().argon2_memory_kib
    if configured is not None:
        return configured
    function_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 0)
    return min(MAX_SIZED_MEMORY_KIB, max(OWASP_MIN_MEMORY_KIB, function_mb * 1024 // 16))


@cache
def hasher() -> PasswordHasher:
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=memory_cost_kib(),
        parallelism=settings.argon2_parallelism,
    )


@cache
def _decoy_hash() -> str:
    # Hashed once per container with the current parameters: checking an unknown email's
    # password against it costs what a real check costs.
    return hasher().hash("decoy password that matches nothing")


def check_policy(password: str, *, email: str = "", policy: PasswordPolicy = FLOOR) -> None:
    """Unprocessable (422) naming what is wrong with a new password: the floor's rules,
    then what the team's `policy` adds."""
    wanted_length = max(MIN_LENGTH, policy.min_length)
    if len(password) < wanted_length:
        raise Unprocessable(f"Password must be at least {wanted_length} characters")
    if len(password) > MAX_LENGTH:
        raise Unprocessable(f"Password must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < PASSWORD_FLOOR_UNIQUE:
        raise Unprocessable("Password is too easy to guess")
    if len(set(password)) < policy.min_unique_characters:
        raise Unprocessable(
            f"Password must have at least {policy.min_unique_characters} different characters"
        )
    for required, present, what in (
        (policy.require_uppercase, any(ch.isupper() for ch in password), "an upper-case letter"),
        (policy.require_lowercase, any(ch.islower() for ch in password), "a lower-case letter"),
        (policy.require_digit, any(ch.isdigit() for ch in password), "a digit"),
        (policy.require_symbol, any(_is_symbol(ch) for ch in password), "a symbol"),
    ):
        if required and not present:
            raise Unprocessable(f"Password must contain {what}")
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        raise Unprocessable("Password must not contain the email address")


def _is_symbol(character: str) -> bool:
    """Neither a letter, a digit nor white space: punctuation, signs, emoji."""
    return not character.isalnum() and not character.isspace()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown email) the same work, then False."""
    try:
        return hasher().verify(stored_hash or _decoy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return hasher().check_needs_rehash(stored_hash)
