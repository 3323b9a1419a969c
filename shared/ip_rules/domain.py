"""A team's IP rules as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.ip_rules.matcher import Action


@dataclass(frozen=True, slots=True)
class IpRule:
    rule_id: str
    cidr: str  # normalized: host bits cleared, IPv4-mapped IPv6 as IPv4
    action: Action
    description: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class IpRules:
    """Every rule of a team, oldest first; `version` is the stored item's (0: none yet),
    for a write conditioned on it."""

    rules: tuple[IpRule, ...]
    version: int
    updated_at: datetime | None
    updated_by: str | None
