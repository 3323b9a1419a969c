"""Collaboration sessions' rules: participants are the team's live agents; only a
participant posts in a session; a closed session takes no message and no context change;
the shared context is merged key by key and stays under its cap."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from shared import events
from shared.agents.store import live_agents
from shared.collaboration import store
from shared.collaboration.domain import (
    CLOSED_EVENT,
    MAX_CONTEXT_BYTES,
    MESSAGE_EVENT,
    MessageType,
    Session,
    SessionMessage,
    Status,
    closed_event,
    message_event,
)
from shared.errors import Conflict, NotFound, PayloadTooLarge
from shared.ids import new_id, utcnow
from shared.pagination import PageParams

# Tries of a read-then-conditional-write before a concurrent writer's change is a 409.
_ATTEMPTS = 3


def _check_agents(team_id: str, agent_ids: Sequence[str]) -> None:
    missing = set(agent_ids) - set(live_agents(team_id, agent_ids))
    if missing:
        raise NotFound(f"agent {sorted(missing)[0]} not found")


def _merged(context: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` over `context`: a null value removes its key. PayloadTooLarge (413) when
    the result is over the cap as JSON."""
    merged = dict(context)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    size = len(json.dumps(merged, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_CONTEXT_BYTES:
        raise PayloadTooLarge(
            f"the shared context would be {size} bytes as JSON; it holds at most "
            f"{MAX_CONTEXT_BYTES} (remove keys with null values)"
        )
    return merged


def _active(session: Session) -> Session:
    if session.status != "active":
        raise Conflict(f"collaboration session {session.session_id} is {session.status}")
    return session


def create_session(
    team_id: str,
    created_by: str,
    *,
    name: str,
    description: str,
    participants: Sequence[str],
    initial_context: Mapping[str, Any],
) -> Session:
    agents = tuple(dict.fromkeys(participants))  # each once, in the order given
    _check_agents(team_id, agents)
    now = utcnow()
    return store.create_session(
        Session(
            team_id=team_id,
            session_id=new_id(),
            name=name,
            description=description,
            participants=agents,
            status="active",
            context=_merged({}, initial_context),
            message_count=0,
            created_by=created_by,
            created_at=now,
            updated_at=now,
            closed_at=None,
            version=0,
        )
    )


def get_session(team_id: str, session_id: str, *, consistent: bool = False) -> Session:
    session = store.get_session(team_id, session_id, consistent=consistent)
    if session is None:
        raise NotFound(f"collaboration session {session_id} not found")
    return session


def list_sessions(
    team_id: str, params: PageParams, *, status: Status | None
) -> tuple[list[Session], int, str | None]:
    return store.list_sessions(team_id, params, status=status)


def list_messages(
    team_id: str, session_id: str, params: PageParams
) -> tuple[Session, list[SessionMessage], int, str | None]:
    """The session and one page of its messages, newest first."""
    session = get_session(team_id, session_id)
    items, total, cursor = store.list_messages(session, params)
    return session, items, total, cursor


def post_message(
    team_id: str, session_id: str, *, agent_id: str, message: str, message_type: MessageType
) -> SessionMessage:
    """A participant's message: another team's or an unknown agent is 404; one of the
    team's agents that is not a participant, or a closed session, is 409."""
    session = _active(get_session(team_id, session_id))
    _check_agents(team_id, [agent_id])
    if agent_id not in session.participants:
        raise Conflict(f"agent {agent_id} is not a participant of session {session_id}")
    posted = SessionMessage(
        team_id=team_id,
        session_id=session_id,
        message_id=new_id(),
        agent_id=agent_id,
        message=message,
        message_type=message_type,
        created_at=utcnow(),
    )
    if not store.add_message(session, posted):
        raise Conflict(f"collaboration session {session_id} was closed")
    events.publish(MESSAGE_EVENT, message_event(posted))
    return posted


def update_context(team_id: str, session_id: str, changes: Mapping[str, Any]) -> Session:
    """Merge `changes` into the shared context (null removes a key), conditioned on the
    session as read: a concurrent change is merged again over the newer context."""
    for _ in range(_ATTEMPTS):
        session = _active(get_session(team_id, session_id, consistent=True))
        updated = store.set_context(session, _merged(session.context, changes), utcnow())
        if updated is not None:
            return updated
    raise Conflict(f"collaboration session {session_id} was changed by another request; retry")


def close_session(team_id: str, session_id: str) -> Session:
    """active → closed; closing a closed session is 409 (as cancelling an ended task is)."""
    session = _active(get_session(team_id, session_id, consistent=True))
    closed = store.close_session(session, utcnow())
    if closed is None:
        # Closed by another request in between.
        raise Conflict(f"collaboration session {session_id} is closed")
    # As stored now: messages posted between the read and the close are counted too.
    closed = store.get_session(team_id, session_id, consistent=True) or closed
    events.publish(CLOSED_EVENT, closed_event(closed))
    return closed
