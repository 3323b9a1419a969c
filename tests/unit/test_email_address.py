"""Email addresses in account requests: WHATWG's definition, lower-cased, 254 at most."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from functions.auth.schemas import EmailStr

EMAIL = TypeAdapter(EmailStr)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace+factory@Example.CO.uk ", "ada.lovelace+factory@example.co.uk"),
        ("o'brien@sub-domain.example.org", "o'brien@sub-domain.example.org"),
    ],
)
def test_valid_addresses_are_kept_lower_cased(given: str, stored: str) -> None:
    assert EMAIL.validate_python(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "ada",
        "ada@",
        "@example.com",
        "ada@example",  # no dot: not an address anyone can be reached at
        "ada@@example.com",
        "ada lovelace@example.com",
        "ada@-example.com",
        "ada@example..com",
        "ada@" + "a" * 250 + ".com",
        "",
    ],
)
def test_anything_else_is_refused(given: str) -> None:
    with pytest.raises(ValidationError):
        EMAIL.validate_python(given)
