"""The rules of notification rules: a team's own rules (created, replaced, deleted by its
admins) beside the built-in ones every team has (shared.notifications.builtins), which an
admin can change (disable, add channels or recipients) but not delete or repoint.

A rule names an event pattern (checked against the catalog: an unknown type or field is
422), the channels it sends through (each must be the team's: 422 otherwise) and its
recipients (a user of the team, a role, or the whole team).
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.db.versioned import LostRace, update_versioned
from shared.errors import Conflict, NotFound, Unprocessable
from shared.event_rules.patterns import EventPattern, Scalar, check_pattern
from shared.identity.store import users
from shared.ids import looks_like_id, new_id, utcnow
from shared.notifications import builtins, channel_store, rule_store
from shared.notifications.domain import Recipient, Rule, UserRecipient

# Rules a team may store (built-ins aside): the list is one Query, and every event of a
# type reads the rules of that type.
MAX_RULES = 100
Filters = dict[str, Scalar | list[Scalar]]


def list_rules(team_id: str) -> list[Rule]:
    """The built-ins (as the team changed them) first, then the team's own, oldest first."""
    stored = rule_store.stored_rules(team_id)
    changed = {rule.id: rule for rule in stored if rule.builtin}
    own = [rule for rule in stored if not rule.builtin]
    return [changed.get(rule.id, rule) for rule in builtins.builtin_rules(team_id)] + own


def get_rule(team_id: str, rule_id: str) -> Rule:
    if rule_id in builtins.IDS:
        found = rule_store.get_rule(team_id, rule_id)
        return found or _builtin(team_id, rule_id)
    found = rule_store.get_rule(team_id, rule_id) if looks_like_id(rule_id) else None
    if found is None:
        raise NotFound("rule not found")
    return found


def create_rule(
    team_id: str,
    *,
    name: str,
    event: str,
    filters: Filters,
    channel_ids: Sequence[str],
    recipients: Sequence[Recipient],
    enabled: bool,
) -> Rule:
    _check(team_id, event, filters, channel_ids, recipients)
    own = [rule for rule in rule_store.stored_rules(team_id) if not rule.builtin]
    if len(own) >= MAX_RULES:
        raise Conflict(f"a team holds at most {MAX_RULES} rules of its own; delete one first")
    now = utcnow()
    rule = Rule(
        id=new_id(),
        team_id=team_id,
        name=name,
        event=event,
        filters=filters,
        channel_ids=list(dict.fromkeys(channel_ids)),
        recipients=list(dict.fromkeys(recipients)),
        enabled=enabled,
        created_at=now,
        updated_at=now,
    )
    return rule_store.create_rule(rule)


def replace_rule(
    team_id: str,
    rule_id: str,
    *,
    name: str,
    event: str,
    filters: Filters,
    channel_ids: Sequence[str],
    recipients: Sequence[Recipient],
    enabled: bool,
) -> Rule:
    """The rule as given. A built-in keeps its name, event and filters (422 when the body
    changes them); its first change is stored under its id."""
    current = get_rule(team_id, rule_id)
    if current.builtin and (name, event, filters) != (
        current.name,
        current.event,
        current.filters,
    ):
        raise Unprocessable(
            f'"{current.name}" is a built-in rule: its name, event and filters stay as they'
            " are; change its channels, recipients or enabled, or add a rule of your own"
        )
    _check(team_id, event, filters, channel_ids, recipients)

    def change(before: Rule) -> Rule:
        after = before.model_copy(
            update={
                "name": name,
                "event": event,
                "filters": filters,
                "channel_ids": list(dict.fromkeys(channel_ids)),
                "recipients": list(dict.fromkeys(recipients)),
                "enabled": enabled,
                "updated_at": utcnow(),
            }
        )
        if before.version is not None:
            return rule_store.save_rule(before, after)
        # A built-in the team has not changed before: its first change is a new item.
        try:
            return rule_store.create_rule(after.model_copy(update={"created_at": utcnow()}))
        except Conflict:
            raise LostRace from None

    return update_versioned(lambda: get_rule(team_id, rule_id), change, what="rule")


def delete_rule(team_id: str, rule_id: str) -> None:
    if rule_id in builtins.IDS:
        raise Conflict("a built-in rule cannot be deleted; disable it instead (enabled: false)")
    if not looks_like_id(rule_id):
        raise NotFound("rule not found")
    rule_store.delete_rule(team_id, rule_id)


def _builtin(team_id: str, rule_id: str) -> Rule:
    rule = builtins.builtin_rule(team_id, rule_id)
    if rule is None:
        raise NotFound("rule not found")
    return rule


def _check(
    team_id: str,
    event: str,
    filters: Filters,
    channel_ids: Sequence[str],
    recipients: Sequence[Recipient],
) -> None:
    check_pattern(EventPattern(event=event, filters=filters))
    for channel_id in dict.fromkeys(channel_ids):
        if channel_store.get_channel(team_id, channel_id) is None:
            raise Unprocessable(f'channel "{channel_id}": the team has no such channel')
    for recipient in recipients:
        if isinstance(recipient, UserRecipient):
            try:
                users.ensure_user(team_id, recipient.user_id)
            except NotFound:
                raise Unprocessable(
                    f'recipient user "{recipient.user_id}": the team has no such user'
                ) from None
