"""The messages group's rules: both agents of a message are the team's live agents."""

from __future__ import annotations

from functions.messages.schemas import AgentMessageSend
from shared import events
from shared.agents.store import live_agents
from shared.errors import NotFound
from shared.ids import new_id, utcnow
from shared.messages import store
from shared.messages.domain import NEW_EVENT, AgentMessage, event_data
from shared.pagination import PageParams


def send(team_id: str, body: AgentMessageSend) -> AgentMessage:
    wanted = {body.sender_agent_id, body.recipient_agent_id}
    missing = wanted - set(live_agents(team_id, wanted))
    if missing:
        raise NotFound(f"agent {sorted(missing)[0]} not found")
    message = store.create_message(
        AgentMessage(
            team_id=team_id,
            message_id=new_id(),
            sender_agent_id=body.sender_agent_id,
            recipient_agent_id=body.recipient_agent_id,
            channel=body.channel,
            subject=body.subject,
            body=body.body,
            read_at=None,
            created_at=utcnow(),
        )
    )
    events.publish(NEW_EVENT, event_data(message))
    return message


def mark_read(team_id: str, message_id: str) -> AgentMessage:
    message = store.get_message(team_id, message_id)
    if message is None:
        raise NotFound(f"message {message_id} not found")
    if message.read_at is not None:
        return message
    return store.mark_read(message, utcnow())


def list_messages(
    team_id: str, params: PageParams, *, agent_id: str | None, channel: str | None
) -> tuple[list[AgentMessage], int, str | None]:
    return store.list_messages(team_id, params, agent_id=agent_id, channel=channel)
