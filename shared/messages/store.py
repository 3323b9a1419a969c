"""Agent messages' storage (keys in shared.messages.models); domain objects out."""

from __future__ import annotations

from datetime import datetime

from pynamodb.transactions import TransactWrite

from shared.db.base import get_or_none, team_partition
from shared.db.query import query_page
from shared.db.transactions import transact
from shared.errors import Conflict
from shared.ids import looks_like_id
from shared.messages.domain import AgentMessage
from shared.messages.models import (
    AgentMessageItem,
    all_keys,
    channel_key,
    message_key,
    recipient_channel_key,
    recipient_key,
)
from shared.pagination import PageParams


def _to_message(item: AgentMessageItem) -> AgentMessage:
    return AgentMessage(
        team_id=item.team_id,
        message_id=item.message_id,
        sender_agent_id=item.sender_agent_id,
        recipient_agent_id=item.recipient_agent_id,
        channel=item.channel,
        subject=item.subject,
        body=item.body,
        read_at=item.read_at,
        created_at=item.created_at,
    )


def _items(message: AgentMessage) -> list[AgentMessageItem]:
    keys = all_keys(message.recipient_agent_id, message.channel, message.message_id)
    return [
        AgentMessageItem(
            team_partition(message.team_id),
            sk,
            team_id=message.team_id,
            message_id=message.message_id,
            sender_agent_id=message.sender_agent_id,
            recipient_agent_id=message.recipient_agent_id,
            channel=message.channel,
            subject=message.subject,
            body=message.body,
            read_at=message.read_at,
            created_at=message.created_at,
            updated_at=message.created_at,
        )
        for sk in keys
    ]


def create_message(message: AgentMessage) -> AgentMessage:
    def write(transaction: TransactWrite) -> None:
        for item in _items(message):
            transaction.save(item, condition=AgentMessageItem.pk.does_not_exist())

    if transact(write, what="message"):
        raise Conflict("the message was stored by another request")
    return message


def get_message(team_id: str, message_id: str) -> AgentMessage | None:
    if not looks_like_id(message_id):
        return None
    item = get_or_none(AgentMessageItem, team_partition(team_id), message_key(message_id))
    return None if item is None else _to_message(item)


def mark_read(message: AgentMessage, moment: datetime) -> AgentMessage:
    """Set read_at on the message's four copies at once (a second mark keeps the first)."""
    keys = all_keys(message.recipient_agent_id, message.channel, message.message_id)

    def write(transaction: TransactWrite) -> None:
        for sk in keys:
            item = AgentMessageItem(team_partition(message.team_id), sk)
            # Written once at version 1 and changed only by this mark (PynamoDB conditions
            # an update on the version it holds).
            item.version = 1
            transaction.update(
                item,
                actions=[AgentMessageItem.read_at.set(moment)],
                condition=AgentMessageItem.read_at.does_not_exist(),
            )

    if transact(write, what="message"):
        # Marked read already (by another request): the first mark stands.
        current = get_message(message.team_id, message.message_id)
        return current or message
    return AgentMessage(**{**message.__dict__, "read_at": moment})


def list_messages(
    team_id: str, params: PageParams, *, agent_id: str | None, channel: str | None
) -> tuple[list[AgentMessage], int, str | None]:
    """Newest first: one Query on the prefix that answers the filters given."""
    if agent_id is not None and channel is not None:
        prefix = recipient_channel_key(agent_id, channel)
    elif agent_id is not None:
        prefix = recipient_key(agent_id)
    elif channel is not None:
        prefix = channel_key(channel)
    else:
        prefix = message_key()
    items, total, cursor = query_page(
        AgentMessageItem,
        team_partition(team_id),
        params,
        range_key_condition=AgentMessageItem.sk.startswith(prefix),
        newest_first=True,
    )
    return [_to_message(item) for item in items], total, cursor
