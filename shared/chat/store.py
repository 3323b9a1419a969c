"""Chat's storage (keys in shared.chat.models): tickets, session configurations,
conversations and their messages. The only module of the area that touches the table;
domain objects out. A ticket leaves `pending` once, by a write conditioned on it still
being pending, so a redelivered message or the dead-letter settler never moves it twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from shared.chat.domain import (
    MAX_CONVERSATION_MESSAGES,
    PENDING,
    TICKET_TTL,
    ChatMessage,
    Conversation,
    ConversationMessage,
    SessionConfig,
    Ticket,
)
from shared.chat.models import (
    ConversationItem,
    MessageItem,
    SessionItem,
    TicketItem,
    conversation_key,
    message_key,
    session_key,
    ticket_key,
)
from shared.db.base import get_or_none, storage_errors, team_partition
from shared.db.query import query_page
from shared.db.transactions import condition_failed, transact
from shared.errors import Conflict, NotFound
from shared.ids import looks_like_id, utcnow
from shared.pagination import PageParams

# Tickets.


def _to_ticket(item: TicketItem) -> Ticket:
    return Ticket(
        team_id=item.team_id,
        ticket_id=item.ticket_id,
        user_id=item.user_id,
        status=item.status,  # type: ignore[arg-type]  # written from TicketStatus only
        provider=item.provider,
        model=item.model,
        messages=tuple(ChatMessage(m["role"], m["content"]) for m in item.messages),
        parameters=dict(item.parameters or {}),
        session_id=item.session_id,
        conversation_id=item.conversation_id,
        result=item.result,
        error=item.error,
        tokens=None if item.tokens is None else int(item.tokens),
        cost_usd=item.cost_usd,
        created_at=item.created_at,
        completed_at=item.completed_at,
    )


def _ticket_item(ticket: Ticket, now: datetime) -> TicketItem:
    return TicketItem(
        team_partition(ticket.team_id),
        ticket_key(ticket.ticket_id),
        team_id=ticket.team_id,
        ticket_id=ticket.ticket_id,
        user_id=ticket.user_id,
        status=ticket.status,
        provider=ticket.provider,
        model=ticket.model,
        messages=[{"role": m.role, "content": m.content} for m in ticket.messages],
        parameters=ticket.parameters,
        session_id=ticket.session_id,
        conversation_id=ticket.conversation_id,
        created_at=now,
        updated_at=now,
        expires_at=now + TICKET_TTL,
    )


def create_ticket(ticket: Ticket) -> Ticket:
    """Store a new pending ticket (its id is new: nothing to overwrite)."""
    now = utcnow()
    item = _ticket_item(ticket, now)
    with storage_errors("ticket"):
        item.save(condition=TicketItem.pk.does_not_exist())
    return _to_ticket(item)


def get_ticket(team_id: str, ticket_id: str) -> Ticket | None:
    if not looks_like_id(ticket_id):
        return None
    item = get_or_none(TicketItem, team_partition(team_id), ticket_key(ticket_id))
    # Past its expiry a ticket is gone, though TTL deletes it only some time later.
    if item is None or (item.expires_at is not None and item.expires_at <= utcnow()):
        return None
    return _to_ticket(item)


def _pending_item(ticket: Ticket) -> TicketItem:
    """The ticket's keys, to update on condition that it is still pending (no version
    condition: only the pending → terminal move ever writes it again)."""
    item = TicketItem(team_partition(ticket.team_id), ticket_key(ticket.ticket_id))
    item.version = 0  # not read: PynamoDB then ADDs 1 to the stored version, never SETs it
    return item


def _conversation_counted(team_id: str, user_id: str, conversation_id: str) -> ConversationItem:
    """The conversation's keys, for an ADD to its message count (no version condition:
    two messages at once both count)."""
    item = ConversationItem(team_partition(team_id), conversation_key(user_id, conversation_id))
    item.version = 0
    return item


def _terminal_actions(status: str, now: datetime, **fields: Any) -> list[Any]:
    actions = [
        TicketItem.status.set(status),
        TicketItem.completed_at.set(now),
        TicketItem.updated_at.set(now),
    ]
    for name, value in fields.items():
        if value is not None:
            actions.append(getattr(TicketItem, name).set(value))
    return actions


def complete_ticket(
    ticket: Ticket, *, result: str, tokens: int | None, cost_usd: float
) -> Ticket | None:
    """Pending → completed with the reply, which is appended to the ticket's conversation
    (when it still exists) in the same transaction; None when the ticket was no longer
    pending (settled before: nothing written)."""
    now = utcnow()
    reply_id = ticket.ticket_id  # one reply per ticket: a redelivery cannot add a second
    conversation_id = ticket.conversation_id

    def write(transaction: TransactWrite, *, with_reply: bool) -> None:
        if with_reply and conversation_id is not None:
            transaction.save(
                _message_item(
                    ticket.team_id,
                    conversation_id,
                    ConversationMessage(
                        conversation_id, reply_id, "assistant", result, ticket.ticket_id, now
                    ),
                ),
                condition=MessageItem.pk.does_not_exist(),
            )
        # Built anew for each attempt: PynamoDB appends its version action to the list.
        actions = _terminal_actions(
            "completed", now, result=result, tokens=tokens, cost_usd=cost_usd
        )
        transaction.update(
            _pending_item(ticket),
            actions,
            condition=TicketItem.status == PENDING,
            add_version_condition=False,
        )
        if with_reply and conversation_id is not None:
            transaction.update(
                _conversation_counted(ticket.team_id, ticket.user_id, conversation_id),
                [ConversationItem.message_count.add(1), ConversationItem.updated_at.set(now)],
                condition=ConversationItem.pk.exists(),
                add_version_condition=False,
            )

    with_reply = conversation_id is not None
    reasons = transact(lambda t: write(t, with_reply=with_reply), what="ticket")
    # Puts come before updates in the reasons: [reply, ticket, conversation].
    if reasons and with_reply and not condition_failed(reasons, 1):
        # The conversation was deleted meanwhile: the ticket alone is completed.
        reasons = transact(lambda t: write(t, with_reply=False), what="ticket")
    if reasons:
        return None
    return _settled(ticket, "completed", now, result=result, tokens=tokens, cost_usd=cost_usd)


def fail_ticket(ticket: Ticket, error: str) -> Ticket | None:
    """Pending → failed with the reason; None when it was no longer pending."""
    now = utcnow()
    try:
        with storage_errors("ticket"):
            _pending_item(ticket).update(
                _terminal_actions("failed", now, error=error),
                condition=(TicketItem.pk.exists()) & (TicketItem.status == PENDING),
                add_version_condition=False,
            )
    except Conflict:
        return None
    return _settled(ticket, "failed", now, error=error)


def _settled(ticket: Ticket, status: str, now: datetime, **fields: Any) -> Ticket:
    return replace(ticket, status=status, completed_at=now, **fields)  # type: ignore[arg-type]


# Session configurations.


def _to_session(item: SessionItem) -> SessionConfig:
    return SessionConfig(
        team_id=item.team_id,
        user_id=item.user_id,
        session_id=item.session_id,
        provider=item.provider,
        model=item.model,
        parameters=dict(item.parameters or {}),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def get_session(team_id: str, user_id: str, session_id: str) -> SessionConfig | None:
    item = get_or_none(SessionItem, team_partition(team_id), session_key(user_id, session_id))
    return None if item is None else _to_session(item)


def save_session(config: SessionConfig) -> tuple[SessionConfig, bool]:
    """Create or replace the session's configuration; (it, whether it was created). A
    write that loses a race with another is Conflict (PynamoDB's version)."""
    keys = (team_partition(config.team_id), session_key(config.user_id, config.session_id))
    item = get_or_none(SessionItem, *keys, consistent=True)
    created = item is None
    if item is None:
        item = SessionItem(
            *keys, team_id=config.team_id, user_id=config.user_id, session_id=config.session_id
        )
    item.provider = config.provider
    item.model = config.model
    item.parameters = config.parameters
    item.updated_at = utcnow()
    with storage_errors("session"):
        item.save()
    return _to_session(item), created


def delete_session(team_id: str, user_id: str, session_id: str) -> bool:
    """Whether there was a session to delete."""
    item = SessionItem(team_partition(team_id), session_key(user_id, session_id))
    try:
        with storage_errors("session"):
            item.delete(condition=SessionItem.pk.exists(), add_version_condition=False)
    except Conflict:
        return False
    return True


# Conversations and their messages.


def _to_conversation(item: ConversationItem) -> Conversation:
    return Conversation(
        team_id=item.team_id,
        user_id=item.user_id,
        conversation_id=item.conversation_id,
        title=item.title,
        provider=item.provider,
        model=item.model,
        message_count=int(item.message_count or 0),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _to_message(item: MessageItem) -> ConversationMessage:
    return ConversationMessage(
        conversation_id=item.conversation_id,
        message_id=item.message_id,
        role=item.role,  # type: ignore[arg-type]  # written from Role only
        content=item.content,
        ticket_id=item.ticket_id,
        created_at=item.created_at,
    )


def _message_item(team_id: str, conversation_id: str, message: ConversationMessage) -> MessageItem:
    return MessageItem(
        team_partition(team_id),
        message_key(conversation_id, message.message_id),
        team_id=team_id,
        conversation_id=conversation_id,
        message_id=message.message_id,
        role=message.role,
        content=message.content,
        ticket_id=message.ticket_id,
        created_at=message.created_at,
        updated_at=message.created_at,
    )


def create_conversation(conversation: Conversation) -> Conversation:
    item = ConversationItem(
        team_partition(conversation.team_id),
        conversation_key(conversation.user_id, conversation.conversation_id),
        team_id=conversation.team_id,
        user_id=conversation.user_id,
        conversation_id=conversation.conversation_id,
        title=conversation.title,
        provider=conversation.provider,
        model=conversation.model,
        message_count=0,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
    )
    with storage_errors("conversation"):
        item.save(condition=ConversationItem.pk.does_not_exist())
    return _to_conversation(item)


def get_conversation(team_id: str, user_id: str, conversation_id: str) -> Conversation | None:
    if not looks_like_id(conversation_id):
        return None
    item = get_or_none(
        ConversationItem, team_partition(team_id), conversation_key(user_id, conversation_id)
    )
    return None if item is None else _to_conversation(item)


def list_conversations(
    team_id: str, user_id: str, params: PageParams
) -> tuple[list[Conversation], int, str | None]:
    """The user's conversations, newest first: one Query on their CONV#<user># range."""
    items, total, cursor = query_page(
        ConversationItem,
        team_partition(team_id),
        params,
        range_key_condition=ConversationItem.sk.startswith(conversation_key(user_id)),
        newest_first=True,
    )
    return [_to_conversation(item) for item in items], total, cursor


def list_messages(
    team_id: str, conversation_id: str, params: PageParams
) -> tuple[list[ConversationMessage], int, str | None]:
    """A conversation's messages, oldest first (the order they were said in)."""
    items, total, cursor = query_page(
        MessageItem,
        team_partition(team_id),
        params,
        range_key_condition=MessageItem.sk.startswith(message_key(conversation_id)),
        newest_first=False,
    )
    return [_to_message(item) for item in items], total, cursor


def recent_messages(team_id: str, conversation_id: str, count: int) -> list[ConversationMessage]:
    """The conversation's last `count` messages, oldest first: one Query, newest first."""
    with storage_errors("conversation"):
        items = list(
            MessageItem.query(
                team_partition(team_id),
                MessageItem.sk.startswith(message_key(conversation_id)),
                scan_index_forward=False,
                limit=count,
            )
        )
    return [_to_message(item) for item in reversed(items)]


def add_user_message(
    conversation: Conversation, message: ConversationMessage, ticket: Ticket
) -> Ticket:
    """The user's message, its ticket and the conversation's count, in one transaction:
    NotFound when the conversation was deleted, Conflict when it is full."""
    ticket_item = _ticket_item(ticket, message.created_at)
    _add_message(conversation, message, ticket_item)
    return _to_ticket(ticket_item)


def add_message(conversation: Conversation, message: ConversationMessage) -> None:
    """A message no model answers (a person's reply in a support chat) and the
    conversation's count, in one transaction: NotFound, Conflict as add_user_message."""
    _add_message(conversation, message, None)


def _add_message(
    conversation: Conversation, message: ConversationMessage, ticket_item: TicketItem | None
) -> None:
    now = message.created_at

    def write(transaction: TransactWrite) -> None:
        transaction.save(
            _message_item(conversation.team_id, conversation.conversation_id, message),
            condition=MessageItem.pk.does_not_exist(),
        )
        if ticket_item is not None:
            transaction.save(ticket_item, condition=TicketItem.pk.does_not_exist())
        transaction.update(
            _conversation_counted(
                conversation.team_id, conversation.user_id, conversation.conversation_id
            ),
            [ConversationItem.message_count.add(1), ConversationItem.updated_at.set(now)],
            condition=ConversationItem.pk.exists()
            & (ConversationItem.message_count < MAX_CONVERSATION_MESSAGES),
            add_version_condition=False,
        )

    reasons = transact(write, what="conversation")
    if reasons:
        # Puts come before updates in the reasons: the count's is the last.
        if condition_failed(reasons, len(reasons) - 1):
            current = get_conversation(
                conversation.team_id, conversation.user_id, conversation.conversation_id
            )
            if current is None:
                raise NotFound(f"conversation {conversation.conversation_id} not found")
            raise Conflict(
                f"conversation {conversation.conversation_id} holds "
                f"{MAX_CONVERSATION_MESSAGES} messages, its most: start a new one"
            )
        raise Conflict("the message was stored by another request; try again")


def delete_conversation(team_id: str, user_id: str, conversation_id: str) -> bool:
    """Delete the conversation (gone at once for every read), then its messages, 25 per
    batch (a conversation holds at most MAX_CONVERSATION_MESSAGES). Whether it existed."""
    item = ConversationItem(team_partition(team_id), conversation_key(user_id, conversation_id))
    try:
        with storage_errors("conversation"):
            item.delete(condition=ConversationItem.pk.exists(), add_version_condition=False)
    except Conflict:
        return False
    with storage_errors("conversation"):
        keys = MessageItem.query(
            team_partition(team_id),
            MessageItem.sk.startswith(message_key(conversation_id)),
            attributes_to_get=["pk", "sk"],
        )
        with MessageItem.batch_write() as batch:
            for found in keys:
                batch.delete(MessageItem(found.pk, found.sk))  # batch deletes take no condition
    return True
