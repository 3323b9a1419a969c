"""The caller of a request, as every route and service sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "member", "agent"]
ROLES: tuple[str, ...] = ("admin", "member", "agent")
Via = Literal["jwt", "api_key", "agent_token"]
# What an API key may do; a key's principal can never do more than its creator's role.
Scope = Literal["read", "write", "admin"]
SCOPES: tuple[str, ...] = ("read", "write", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str  # a user id, "service:<team>" for admin-key tokens, or a credential id
    team_id: str
    role: Role
    via: Via = "jwt"
    # None: everything the role allows (tokens). A set: an API key's scopes.
    scopes: frozenset[str] | None = None
    # The refresh-token family an access token was issued from (logout revokes it).
    session_id: str | None = None
    email: str | None = None
    # Issued to an account with MFA on (its sign-ins need a TOTP code): the `amr` claim.
    mfa: bool = False

    @property
    def is_user(self) -> bool:
        """A signed-in account (not a service token, API key or agent)."""
        return self.via == "jwt" and not self.subject.startswith("service:")

    @property
    def is_admin(self) -> bool:
        """An admin, and (for an API key) one with the admin scope."""
        return self.role == "admin" and self.allows("admin")

    def allows(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes
