"""From a product event to notifications: the team's rules that match it (built-ins and
its own), their recipients as the team's users are now, each user's preferences, then one
inbox item per user and one `notification-deliveries` message per other channel.

Reads per event: at most four Queries for the rules (shared.notifications.rule_store),
and only when a rule matches, the team's users (a Query per 100), their preferences (one
Query) and each channel named (a GetItem). Never a Scan.

Idempotent: an inbox item's id is made from the event and the user (a ULID of the event's
time with a digest of both for its random part) and stored on condition that it is new,
and a delivery's id from the event and the channel; so an event handled again (a
redelivered message, a retry after a partial failure) adds no second item, and the
delivery worker takes a delivery id once. A user reached by two rules gets one item; a
channel named by two rules one delivery, to all their recipients.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from ulid import ULID

from shared import queues
from shared.event_rules.inbound import HOOK_RECEIVED, with_sender_body
from shared.event_rules.patterns import EventPattern, envelope, matches
from shared.identity.domain import User
from shared.identity.store import users
from shared.ids import utcnow
from shared.notifications import (
    builtins,
    channel_store,
    inbox_store,
    messages,
    preferences,
    preferences_store,
    rule_store,
)
from shared.notifications.channel_domain import Channel
from shared.notifications.domain import (
    Notification,
    Preferences,
    Recipient,
    RoleRecipient,
    Rule,
    TeamRecipient,
    UserRecipient,
)
from shared.observability import logger
from shared.pagination import MAX_LIMIT, PageParams

QUEUE: Final = "notification-deliveries"
# Events about notifications themselves would feed rules on `*` with their own output.
OWN_PREFIX: Final = "notification."


@dataclass
class Outcome:
    notes: int = 0
    deliveries: int = 0


def rules_for(team_id: str, event: Mapping[str, Any]) -> list[Rule]:
    """The team's enabled rules that match the event (its envelope): the built-ins for its
    type, each replaced by the team's stored change to it, and the team's own rules."""
    event_type = str(event.get("type"))
    found = {rule.id: rule for rule in builtins.builtins_for(team_id, event_type)}
    for rule in rule_store.indexed_rules(team_id, event_type):
        found[rule.id] = rule
    enabled = [rule for rule in found.values() if rule.enabled]
    if enabled and event_type == HOOK_RECEIVED and "payload" not in event:
        # `payload.*` filters test the sender's body, which the bus does not carry: read
        # it back (once, and only when some rule may match).
        event = with_sender_body(dict(event))
    return [
        rule
        for rule in enabled
        if matches(EventPattern(event=rule.event, filters=rule.filters), event)
    ]


def notify(bus_event: Mapping[str, Any]) -> Outcome:
    """Inbox items and channel deliveries for one EventBridge event (the queue's body)."""
    detail = bus_event.get("detail") or {}
    team_id = detail.get("team_id") if isinstance(detail, dict) else None
    event_type = bus_event.get("detail-type")
    if not team_id or not isinstance(event_type, str) or not bus_event.get("id"):
        return Outcome()
    if event_type.startswith(OWN_PREFIX):
        return Outcome()
    event = envelope(bus_event)
    rules = rules_for(team_id, event)
    if not rules:
        return Outcome()
    team = _Team(team_id)
    said = messages.message(event)
    at = _time(bus_event.get("time"))
    inbox: dict[str, tuple[User, Rule]] = {}
    by_channel: dict[str, dict[str, User]] = {}
    for rule in rules:
        channels = [team.channel(channel_id) for channel_id in rule.channel_ids]
        usable = [channel for channel in channels if channel is not None and channel.enabled]
        in_app = not rule.channel_ids or any(channel.type == "in_app" for channel in usable)
        others = [channel for channel in usable if channel.type != "in_app"]
        for user in team.resolve(rule.recipients):
            chosen = team.preferences(user.user_id)
            if preferences.names(chosen.muted, said.kind):
                continue
            if in_app:
                inbox.setdefault(user.user_id, (user, rule))
            if preferences.names(chosen.in_app_only, said.kind):
                continue
            for channel in others:
                by_channel.setdefault(channel.id, {})[user.user_id] = user
    outcome = Outcome()
    for user, rule in inbox.values():
        note = Notification(
            id=_id(at, bus_event["id"], user.user_id),
            team_id=team_id,
            user_id=user.user_id,
            kind=said.kind,
            title=said.title,
            body=said.body,
            read=False,
            created_at=utcnow(),
            event_id=said.event_id,
            rule_id=rule.id,
            link=said.link,
        )
        outcome.notes += inbox_store.add(note)
    bodies = [
        {
            "team_id": team_id,
            "channel_id": channel_id,
            "delivery_id": _id(at, bus_event["id"], f"channel:{channel_id}"),
            "notification": said.model_dump(),
            "recipients": [{"user_id": u.user_id, "email": u.email} for u in reached.values()],
            "test": False,
        }
        for channel_id, reached in by_channel.items()
    ]
    if bodies:
        queues.send_many(QUEUE, bodies)
    outcome.deliveries = len(bodies)
    return outcome


@dataclass
class _Team:
    """What the rules of one event need of the team, each read once and only if asked."""

    team_id: str
    _members: list[User] | None = None
    _preferences: dict[str, Preferences] | None = None
    _channels: dict[str, Channel | None] = field(default_factory=dict)

    def members(self) -> list[User]:
        if self._members is None:
            self._members = [user for user in _team_users(self.team_id) if not user.disabled]
        return self._members

    def resolve(self, recipients: Sequence[Recipient]) -> Iterator[User]:
        """The team's enabled users the recipients name, each once."""
        seen: set[str] = set()
        for user in self.members():
            if user.user_id not in seen and any(_names(r, user) for r in recipients):
                seen.add(user.user_id)
                yield user

    def preferences(self, user_id: str) -> Preferences:
        if self._preferences is None:
            self._preferences = preferences_store.team_preferences(self.team_id)
        return self._preferences.get(user_id) or Preferences()

    def channel(self, channel_id: str) -> Channel | None:
        if channel_id not in self._channels:
            found = channel_store.get_channel(self.team_id, channel_id)
            if found is None:  # deleted since the rule was made
                logger.warning(
                    "a rule names a channel the team no longer has",
                    extra={"team_id": self.team_id, "channel_id": channel_id},
                )
            self._channels[channel_id] = found
        return self._channels[channel_id]


def _names(recipient: Recipient, user: User) -> bool:
    if isinstance(recipient, TeamRecipient):
        return True
    if isinstance(recipient, RoleRecipient):
        return user.role == recipient.role
    return isinstance(recipient, UserRecipient) and user.user_id == recipient.user_id


def _team_users(team_id: str) -> Iterator[User]:
    """Every account of the team: Queries on its partition's USER# range, 100 a page."""
    cursor: str | None = None
    while True:
        page, _, cursor = users.users_page(team_id, PageParams(limit=MAX_LIMIT, cursor=cursor))
        yield from page
        if cursor is None:
            return


def _id(at: datetime, event_id: str, about: str) -> str:
    digest = hashlib.sha256(f"{event_id}\n{about}".encode()).digest()[:10]
    return str(ULID.from_int((int(at.timestamp() * 1000) << 80) | int.from_bytes(digest)))


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        return utcnow()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return utcnow()
