"""Fields of sign-up and sign-in bodies, one definition for team users and storefront
customers alike."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# An email address as WHATWG defines it for <input type="email">, at most 254 characters
# (RFC 5321's path limit), lower-cased. Not pydantic's EmailStr: it needs email-validator,
# which FastAPI imports whenever it is installed: ~46 ms of every auth cold start, measured.
EmailStr = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=254,
        pattern=r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
        r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$",
    ),
    AfterValidator(str.lower),
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
# A password being set: the policy's lengths (shared.identity.passwords); what a length
# cannot say (a common password, one holding the email) is refused there, 422.
NewPassword = Annotated[str, StringConstraints(min_length=12, max_length=128)]
OpaqueToken = Annotated[str, StringConstraints(min_length=1, max_length=512)]
