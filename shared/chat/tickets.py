"""What every chat ticket's maker shares (the chat group's tickets and conversations, the
support chat's messages): the provider and model checked as the team has them, a
conversation's recent history, and the ticket put on `chat-tickets`."""

from __future__ import annotations

from shared import queues
from shared.chat import store
from shared.chat.domain import HISTORY_CHARS, HISTORY_MESSAGES, ChatMessage, Ticket
from shared.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from shared.observability import logger

QUEUE = "chat-tickets"


def check_target(team_id: str, provider: str, model: str | None) -> tuple[str, str]:
    """(provider, model) as the team has them: Unprocessable for a provider the team does
    not have or a model it does not offer (GET /providers/{name}/models), Conflict for a
    disabled provider. No model: the provider's default."""
    from shared.llm import registry
    from shared.llm.providers import catalog

    try:
        config = registry.config(team_id, provider)
    except NotFound:
        raise Unprocessable(
            f"provider '{provider}' is not a provider of this team (GET /providers)"
        ) from None
    if not config.enabled:
        raise Conflict(f"provider '{provider}' is disabled: enable it, or name another")
    chosen = model or config.default_model
    if chosen != config.default_model and catalog.find(config.kind, chosen) is None:
        raise Unprocessable(
            f"model '{chosen}' is not one of provider '{provider}''s models "
            f"(GET /providers/{provider}/models)"
        )
    return config.name, chosen


def queue_ticket(ticket: Ticket) -> Ticket:
    """Put the ticket on chat-tickets; a queue that refuses fails the ticket (503), so it
    never waits for a message that was never sent."""
    try:
        queues.send(QUEUE, {"team_id": ticket.team_id, "ticket_id": ticket.ticket_id})
    except Exception:
        logger.exception("could not queue a chat ticket", extra={"ticket": ticket.ticket_id})
        store.fail_ticket(ticket, "the ticket could not be queued; send it again")
        raise ServiceUnavailable("The chat queue is unavailable; try again shortly") from None
    return ticket


def history(team_id: str, conversation_id: str) -> list[ChatMessage]:
    """The conversation's recent messages, newest kept within HISTORY_CHARS."""
    kept: list[ChatMessage] = []
    size = 0
    for message in reversed(store.recent_messages(team_id, conversation_id, HISTORY_MESSAGES)):
        size += len(message.content)
        if size > HISTORY_CHARS:
            break
        kept.append(ChatMessage(message.role, message.content))
    return list(reversed(kept))
