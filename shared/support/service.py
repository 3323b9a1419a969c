"""Support chat's rules: a session opened on a listed product, its token, a visitor's
message answered by the product's support agent (a chat ticket of the seller's team,
through the seller's router: budget, breaker, ledger), escalation, and the seller's queue.

Replies are asynchronous, as every chat ticket is: a model may take longer than an API
answer may (providers wait up to minutes, API Gateway 29 s), so a message answers 202 with
its reply's id, the chat-tickets consumer answers it (or ends it failed with the reason;
its message in chat-tickets-dlq when ours failed), and the reply is read by that id or in
the session's messages."""

from __future__ import annotations

import secrets
from dataclasses import replace

from shared.chat import store as chat
from shared.chat.domain import (
    PENDING,
    ChatMessage,
    Conversation,
    ConversationMessage,
    Ticket,
)
from shared.chat.tickets import check_target, history, queue_ticket
from shared.dashboard.live import announce
from shared.errors import Conflict, NotFound, Unauthorized
from shared.identity.opaque import digest, same
from shared.ids import new_id, utcnow
from shared.llm.providers.templates import KIND as TEMPLATES
from shared.pagination import PageParams
from shared.products import service as products
from shared.products.domain import Product
from shared.support import store
from shared.support.domain import SupportSession, SupportStatus, support_user

TOKEN_BYTES = 32
# A reply's length: support answers are short.
REPLY_MAX_TOKENS = 800
# Said to the model when the product names no support agent of its own.
DEFAULT_INSTRUCTIONS = (
    "You are the support assistant of a product sold in an online storefront. Answer the "
    "customer's questions about it briefly and accurately, from what is said about the "
    "product below; when you do not know, say so and offer to pass the question to the "
    "seller."
)


def _not_found() -> NotFound:
    return NotFound("support session not found")


# A visitor's side.


def open_session(product_id: str, email: str | None) -> tuple[SupportSession, str]:
    """A session on a listed product (another is 404) and its token, shown only here."""
    product = products.public_product(product_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    session = SupportSession(
        id=new_id(),
        team_id=product.team_id,
        product_id=product.id,
        product_name=product.name,
        status="open",
        created_at=now,
        updated_at=now,
        email=email,
        token_digest=digest(token),
    )
    chat.create_conversation(
        Conversation(
            team_id=product.team_id,
            user_id=support_user(session.id),
            conversation_id=session.id,
            title=f"Support: {product.name}"[:200],
            provider=None,
            model=None,
            message_count=0,
            created_at=now,
            updated_at=now,
        )
    )
    made = store.create_session(session)
    announce(session.team_id)
    return made, token


def authorised_session(session_id: str, token: str | None) -> SupportSession:
    """The session whose token this is: 404 for no such session, 401 for a missing or
    wrong token (compared in constant time)."""
    session = store.get_session(session_id)
    if session is None:
        raise _not_found()
    if not token or not same(session.token_digest, digest(token)):
        raise Unauthorized("a valid X-AIF-Support-Token for this session is required")
    return session


def _conversation(session: SupportSession) -> Conversation:
    conversation = chat.get_conversation(session.team_id, support_user(session.id), session.id)
    if conversation is None:  # the seller's data was wiped
        raise _not_found()
    return conversation


def _instructions(product: Product, agent_prompt: str | None) -> str:
    about = [
        f"Product: {product.name} (release {product.release}, category {product.category}).",
        f"Tagline: {product.tagline}." if product.tagline else "",
        f"Description: {product.description}",
        f"Kind: {'a web app with a live preview' if product.kind == 'web' else 'a download'}.",
    ]
    return "\n".join([agent_prompt or DEFAULT_INSTRUCTIONS, "", *[a for a in about if a]])


def _target(product: Product) -> tuple[str, str, str | None]:
    """(provider, model, the agent's instructions): the product's support agent's when it
    names a live one, else the seller's default provider (or the built-in templates)."""
    from shared.agents import service as agents
    from shared.team_settings import get_team_settings

    if product.support_agent_id is not None:
        try:
            agent = agents.get_agent(product.team_id, product.support_agent_id)
        except NotFound:
            agent = None
        if agent is not None:
            provider, model = check_target(product.team_id, agent.llm_provider, agent.llm_model)
            return provider, model, agent.system_prompt or None
    default = get_team_settings(product.team_id).default_provider or TEMPLATES
    provider, model = check_target(product.team_id, default, None)
    return provider, model, None


def send_message(session: SupportSession, content: str) -> tuple[ConversationMessage, Ticket]:
    """The visitor's message stored with its reply's ticket (one transaction), the ticket
    queued; 409 once the session is closed, 404 once its product is no longer the seller's."""
    if session.status == "closed":
        raise Conflict("this support session is closed: open a new one")
    product = products.get_team_product(session.team_id, session.product_id)
    provider, model, prompt = _target(product)
    conversation = _conversation(session)
    recent = history(session.team_id, session.id)
    message_id = new_id()
    ticket_id = new_id()  # the reply's id, made after the message's: it sorts right after
    message = ConversationMessage(
        conversation_id=session.id,
        message_id=message_id,
        role="user",
        content=content,
        ticket_id=ticket_id,
        created_at=utcnow(),
    )
    ticket = chat.add_user_message(
        conversation,
        message,
        Ticket(
            team_id=session.team_id,
            ticket_id=ticket_id,
            user_id=support_user(session.id),
            status=PENDING,
            provider=provider,
            model=model,
            messages=(
                ChatMessage("system", _instructions(product, prompt)),
                *recent,
                ChatMessage("user", content),
            ),
            parameters={"max_tokens": REPLY_MAX_TOKENS},
            conversation_id=session.id,
        ),
    )
    _touch(session)
    return message, queue_ticket(ticket)


def reply(session: SupportSession, reply_id: str) -> Ticket:
    """The model's reply to one of the session's messages (pending, completed, failed)."""
    ticket = chat.get_ticket(session.team_id, reply_id)
    if ticket is None or ticket.conversation_id != session.id:
        raise NotFound("reply not found")
    return ticket


def messages(
    session: SupportSession, params: PageParams
) -> tuple[list[ConversationMessage], int, str | None]:
    """The session's messages, oldest first: the visitor's, the agent's, the seller's."""
    return chat.list_messages(session.team_id, session.id, params)


def escalate(session: SupportSession, reason: str | None) -> SupportSession:
    """Ask for a person: the session joins the seller's escalated queue."""
    if session.status == "closed":
        raise Conflict("this support session is closed: open a new one")
    return _moved(session, "escalated", escalation_reason=reason)


def close(session: SupportSession) -> SupportSession:
    return session if session.status == "closed" else _moved(session, "closed")


def _moved(session: SupportSession, status: SupportStatus, **fields: object) -> SupportSession:
    changed = replace(session, status=status, updated_at=utcnow(), **fields)  # type: ignore[arg-type]
    saved = store.save_session(changed)
    announce(session.team_id)
    return saved


def _touch(session: SupportSession) -> None:
    """Recent activity moves the session up its queue (a lost race leaves it as the other
    request put it, which is as recent)."""
    try:
        store.save_session(replace(session, updated_at=utcnow()))
    except Conflict:
        return


# The seller's side.


def team_session(team_id: str, session_id: str) -> SupportSession:
    session = store.get_session(session_id)
    if session is None or session.team_id != team_id:
        raise _not_found()
    return session


def queue(
    team_id: str, status: SupportStatus, params: PageParams
) -> tuple[list[SupportSession], int, str | None]:
    return store.list_queue(team_id, status, params)


def staff_reply(team_id: str, session_id: str, content: str) -> ConversationMessage:
    """A person's answer, stored as the seller's (no model involved)."""
    session = team_session(team_id, session_id)
    if session.status == "closed":
        raise Conflict("this support session is closed")
    message = ConversationMessage(
        conversation_id=session.id,
        message_id=new_id(),
        role="assistant",
        content=content,
        ticket_id=None,
        created_at=utcnow(),
    )
    chat.add_message(_conversation(session), message)
    _touch(session)
    return message


def staff_close(team_id: str, session_id: str) -> SupportSession:
    return close(team_session(team_id, session_id))
