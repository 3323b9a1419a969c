"""IP rules' storage: one item per team in the identity table (sk `IPRULES`). The only
code that reads or writes it; it answers `IpRules`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.identity.models import IP_RULES, IpRulesItem
from shared.ip_rules.domain import IpRule, IpRules


def _rule(raw: dict[str, Any]) -> IpRule:
    return IpRule(
        rule_id=str(raw["id"]),
        cidr=str(raw["cidr"]),
        action="allow" if raw["action"] == "allow" else "block",
        description=str(raw.get("description") or ""),
        created_at=datetime.fromisoformat(raw["created_at"]),
    )


def _raw(rule: IpRule) -> dict[str, Any]:
    return {
        "id": rule.rule_id,
        "cidr": rule.cidr,
        "action": rule.action,
        "description": rule.description,
        "created_at": rule.created_at.isoformat(),
    }


def _rules(item: IpRulesItem) -> IpRules:
    return IpRules(
        rules=tuple(_rule(raw) for raw in item.rules or ()),
        version=int(item.version or 0),
        updated_at=item.updated_at,
        updated_by=item.updated_by,
    )


def get_rules(team_id: str, *, consistent: bool = False) -> IpRules:
    """The team's rules (none stored: an empty set at version 0). `consistent` for a read
    a conditional write follows."""
    item = get_or_none(IpRulesItem, team_partition(team_id), IP_RULES, consistent=consistent)
    if item is None:
        return IpRules(rules=(), version=0, updated_at=None, updated_by=None)
    return _rules(item)


def save_rules(
    team_id: str, rules: Sequence[IpRule], *, version: int, by: str, at: datetime
) -> IpRules:
    """Replace the team's rules, if they are still at `version` (0: none stored yet);
    Conflict (409) when another request changed them first."""
    item = IpRulesItem(
        team_partition(team_id),
        IP_RULES,
        team_id=team_id,
        rules=[_raw(rule) for rule in rules],
        updated_by=by,
        updated_at=at,
    )
    if version:
        item.version = version  # PynamoDB conditions the save on it (none: a new item)
    with storage_errors("IP rules"):
        item.save()
    return _rules(item)
