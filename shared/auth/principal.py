"""The caller of a request, as every route and service sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "member", "agent"]
ROLES: tuple[str, ...] = ("admin", "member", "agent")


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str  # a user id, or "service:<team>" for admin-key tokens
    team_id: str
    role: Role
    via: Literal["jwt", "api_key", "agent_token"] = "jwt"
