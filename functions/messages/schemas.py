"""Request and response shapes of /messages (seed 003 Messages)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from shared.pagination import PageParams

ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
# A channel is part of a sort key: no '#'.
CHANNEL_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"

AgentId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Channel = Annotated[str, StringConstraints(pattern=CHANNEL_PATTERN)]
Subject = Annotated[str, StringConstraints(max_length=300)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=32_000)]


class AgentMessageListParams(PageParams):
    """GET /messages: a page, of the messages to one agent, on one channel, or both."""

    agent_id: AgentId | None = None
    channel: Channel | None = None


class AgentMessageSend(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    sender_agent_id: AgentId
    recipient_agent_id: AgentId
    channel: Channel = "general"
    subject: Subject = ""
    body: Body


class AgentMessagePublic(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    sender_agent_id: str
    recipient_agent_id: str
    channel: str
    subject: str
    body: str
    read_at: datetime | None
    created_at: datetime
