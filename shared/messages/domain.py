"""An agent message (seed 003 Messages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NEW_EVENT = "message.new"


@dataclass(frozen=True)
class AgentMessage:
    team_id: str
    message_id: str
    sender_agent_id: str
    recipient_agent_id: str
    channel: str
    subject: str
    body: str
    read_at: datetime | None
    created_at: datetime


def event_data(message: AgentMessage) -> dict[str, object]:
    """The detail of message.new (the body left out: it may be long; read it by id)."""
    return {
        "team_id": message.team_id,
        "message_id": message.message_id,
        "sender_agent_id": message.sender_agent_id,
        "recipient_agent_id": message.recipient_agent_id,
        "channel": message.channel,
        "subject": message.subject,
    }
