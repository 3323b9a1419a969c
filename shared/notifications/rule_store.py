"""Rules' storage: the rule under `TEAM#<team>` and its copy under the partition its event
pattern names (`RULE#<team>#<event>`), always written together; `Rule` out.

The copy holds all the notifier needs (filters, recipients, channels, enabled), so an
event's rules are found by at most four Queries on `begins_with(sk, "NRULE#")` and nothing
else is read, whatever other teams hold; the triggers' items in the same partitions are
never read.
"""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.transactions import transact
from shared.db.versioned import LostRace
from shared.errors import Conflict, NotFound
from shared.event_rules.patterns import EventPattern, lookup_keys, pattern_key
from shared.notifications.domain import Rule
from shared.notifications.models import RULE_PREFIX, RuleIndexItem, RuleItem, rule_key


def _fields(rule: Rule) -> dict[str, Any]:
    """What the rule's item and its index copy both store of it."""
    return {
        "team_id": rule.team_id,
        "rule_id": rule.id,
        "name": rule.name,
        "event": rule.event,
        "filters": rule.filters,
        "channel_ids": rule.channel_ids,
        "recipients": [recipient.model_dump() for recipient in rule.recipients],
        "enabled": rule.enabled,
        "builtin": rule.builtin,
    }


def _to_rule(item: RuleItem | RuleIndexItem, version: int | None = None) -> Rule:
    return Rule(
        id=item.rule_id,
        team_id=item.team_id,
        name=item.name,
        event=item.event,
        filters=dict(item.filters or {}),
        channel_ids=[str(channel) for channel in item.channel_ids or []],
        recipients=list(item.recipients or []),
        enabled=bool(item.enabled),
        builtin=bool(item.builtin),
        created_at=getattr(item, "created_at", None),
        updated_at=getattr(item, "updated_at", None),
        version=version,
    )


def _item(rule: Rule) -> RuleItem:
    item = RuleItem(team_partition(rule.team_id), rule_key(rule.id), **_fields(rule))
    if rule.created_at is not None:
        item.created_at = rule.created_at
    if rule.version is not None:  # written on the version read (none: a new item)
        item.version = rule.version
    return item


def _index_partition(rule: Rule) -> str:
    return pattern_key(rule.team_id, EventPattern(event=rule.event, filters=rule.filters))


def _index(rule: Rule) -> RuleIndexItem:
    return RuleIndexItem(_index_partition(rule), rule_key(rule.id), **_fields(rule))


def get_rule(team_id: str, rule_id: str, *, consistent: bool = False) -> Rule | None:
    """The team's stored rule (or stored change to a built-in), None when there is none."""
    item = get_or_none(RuleItem, team_partition(team_id), rule_key(rule_id), consistent=consistent)
    return None if item is None else _to_rule(item, int(item.version or 0))


def stored_rules(team_id: str) -> list[Rule]:
    """Every rule the team stored, built-in changes included, oldest first: one Query
    (a team holds at most MAX_RULES, so one page)."""
    with storage_errors("rules"):
        items = RuleItem.query(
            team_partition(team_id), RuleItem.sk.startswith(RULE_PREFIX), scan_index_forward=True
        )
        return [_to_rule(item, int(item.version or 0)) for item in items]


def create_rule(rule: Rule) -> Rule:
    """Store a new rule (or a team's first change to a built-in) and its index copy in
    one transaction; Conflict when one is already stored under its id."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(rule), condition=RuleItem.pk.does_not_exist())
        transaction.save(_index(rule))

    if transact(write, what="notification rule"):
        raise Conflict("the rule was changed by another request; reload and retry")
    return get_rule(rule.team_id, rule.id, consistent=True) or rule


def save_rule(before: Rule, after: Rule) -> Rule:
    """Write `after` on condition that the rule is still as `before` was read (LostRace if
    not); its index copy moved along in the same transaction."""

    def write(transaction: TransactWrite) -> None:
        transaction.save(_item(after))  # on the version read
        if _index_partition(before) != _index_partition(after):
            transaction.delete(RuleIndexItem(_index_partition(before), rule_key(before.id)))
        transaction.save(_index(after))

    if transact(write, what="notification rule"):
        raise LostRace
    return get_rule(after.team_id, after.id, consistent=True) or after


def delete_rule(team_id: str, rule_id: str) -> None:
    """Delete the rule and its index copy; NotFound when the team stored none such."""
    rule = get_rule(team_id, rule_id, consistent=True)
    if rule is None:
        raise NotFound("rule not found")

    def write(transaction: TransactWrite) -> None:
        transaction.delete(_item(rule))  # on the version read
        transaction.delete(RuleIndexItem(_index_partition(rule), rule_key(rule.id)))

    if transact(write, what="notification rule"):
        raise Conflict("the rule was changed by another request; reload and retry")


def indexed_rules(team_id: str, event_type: str) -> list[Rule]:
    """The team's stored rules whose pattern can name `event_type` (their filters still to
    test): one Query per key of `lookup_keys`, at most four, each on the `NRULE#` range."""
    found: list[Rule] = []
    with storage_errors("rules"):
        for key in lookup_keys(team_id, event_type):
            found += [
                _to_rule(item)
                for item in RuleIndexItem.query(key, RuleIndexItem.sk.startswith(RULE_PREFIX))
            ]
    return found
