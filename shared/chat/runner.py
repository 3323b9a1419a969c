"""The chat-tickets consumer's work: one ticket answered through the team's router, and
what ends a ticket the consumer could not.

- A ticket is read and, if still pending, sent to its provider and model through the
  router (budget checked before spending, breaker, fallback, the cost in the ledger under
  call id `chat-<ticket>`, so a redelivered message is not charged twice), then moved
  pending → completed by a conditional write that also appends the reply to its
  conversation. A redelivery of a settled ticket does nothing.
- What the caller asked for that cannot be answered (every provider failed, a spent
  budget, a provider deleted since) ends the ticket `failed` with the reason: an answer,
  not a failure of the message.
- A failure of our own (storage, the bus, a bug) raises, so SQS delivers the message
  again; on its last receive the ticket is failed with the reason before it raises, and
  the message goes to chat-tickets-dlq. Should even that write fail, the dead-letter
  archiver's settler (`settle_dead_letter`) fails the ticket when it takes the message.

Each end is published (`chat.completed`, `chat.failed`) with `private_to` set to the
ticket's owner: the live push sends it to that user's sockets only.
"""

from __future__ import annotations

from typing import Any, Final

from shared import events
from shared.chat import store
from shared.chat.domain import ERROR_CHARS, EVENT_RESULT_CHARS, PENDING, Ticket
from shared.errors import DomainError, ServiceUnavailable
from shared.observability import logger

COMPLETED_EVENT: Final = "chat.completed"
FAILED_EVENT: Final = "chat.failed"
# A reply's length unless the ticket asks for another (parameters.max_tokens).
DEFAULT_MAX_TOKENS: Final = 2048
DEFAULT_TEMPERATURE: Final = 0.7


def run_ticket(team_id: str, ticket_id: str, *, last_receive: bool = False) -> Ticket | None:
    """Answer the ticket if it is still pending; the ticket as it ended (None: unknown)."""
    ticket = store.get_ticket(team_id, ticket_id)
    if ticket is None or ticket.status != PENDING:
        return ticket  # settled before (a redelivery), or expired
    try:
        return _answer(ticket)
    except ServiceUnavailable as exc:
        if last_receive:
            fail(ticket, f"the chat service could not answer: {exc.detail}")
        raise
    except DomainError as exc:
        # The request's or the team's (a spent budget, an agent or provider gone).
        return fail(ticket, exc.detail) or ticket
    except Exception as exc:
        if last_receive:
            fail(ticket, f"the chat service failed answering it ({type(exc).__name__})")
        raise


def _answer(ticket: Ticket) -> Ticket:
    from shared.llm.router import CallContext, Target
    from shared.llm.team_router import router_for
    from shared.llm.types import CompletionRequest, Message, ProviderError
    from shared.team_settings import get_team_settings

    parameters = ticket.parameters
    request = CompletionRequest(
        model=ticket.model,
        messages=tuple(Message(m.role, m.content) for m in ticket.messages),
        max_tokens=int(parameters.get("max_tokens") or DEFAULT_MAX_TOKENS),
        temperature=float(parameters.get("temperature", DEFAULT_TEMPERATURE)),
    )
    call = CallContext(
        team_id=ticket.team_id, user_id=ticket.user_id, call_id=f"chat-{ticket.ticket_id}"
    )
    router = router_for(get_team_settings(ticket.team_id))
    try:
        routed = router.complete(call, Target(ticket.provider, ticket.model), request)
    except ProviderError as exc:  # after the fallback; errors name no key
        return fail(ticket, f"provider {ticket.provider}: {exc}") or ticket
    completion = routed.completion
    counted = [n for n in (completion.tokens_in, completion.tokens_out) if n is not None]
    done = store.complete_ticket(
        ticket,
        result=completion.text,
        tokens=sum(counted) if counted else None,
        cost_usd=routed.cost_usd,
    )
    if done is None:
        return store.get_ticket(ticket.team_id, ticket.ticket_id) or ticket
    events.publish(COMPLETED_EVENT, event_data(done))
    return done


def fail(ticket: Ticket, reason: str) -> Ticket | None:
    """Pending → failed with `reason`, announced; None when it was settled already."""
    failed = store.fail_ticket(ticket, reason[:ERROR_CHARS])
    if failed is not None:
        events.publish(FAILED_EVENT, event_data(failed))
    return failed


def event_data(ticket: Ticket) -> dict[str, Any]:
    result = ticket.result
    return {
        "team_id": ticket.team_id,
        # The only user whose sockets get it (shared.live.domain.Connection.wants).
        "private_to": ticket.user_id,
        "user_id": ticket.user_id,
        "ticket_id": ticket.ticket_id,
        "conversation_id": ticket.conversation_id,
        "session_id": ticket.session_id,
        "status": ticket.status,
        "provider": ticket.provider,
        "model": ticket.model,
        "result": None if result is None else result[:EVENT_RESULT_CHARS],
        "result_truncated": result is not None and len(result) > EVENT_RESULT_CHARS,
        "error": ticket.error,
        "tokens": ticket.tokens,
        "cost_usd": ticket.cost_usd,
    }


def settle_dead_letter(payload: Any) -> None:
    """A chat-tickets message the consumer never settled: its ticket ends failed (nothing
    for a ticket already settled, or a payload that names none)."""
    if not isinstance(payload, dict):
        return
    team_id, ticket_id = payload.get("team_id"), payload.get("ticket_id")
    if not isinstance(team_id, str) or not isinstance(ticket_id, str):
        return
    ticket = store.get_ticket(team_id, ticket_id)
    if ticket is None or ticket.status != PENDING:
        return
    logger.warning("chat ticket settled from the dead-letter queue", extra={"ticket": ticket_id})
    fail(ticket, "the chat service could not answer it: its message went to the dead-letter queue")
